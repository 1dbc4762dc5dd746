package com.tiktokmall.mtls.dropwizard.health;

import com.codahale.metrics.health.HealthCheck;
import com.tiktokmall.mtls.TlsOptions;
import com.tiktokmall.mtls.source.FileSource;
import com.tiktokmall.mtls.source.TlsSource;
import com.tiktokmall.mtls.testing.MutableClock;
import com.tiktokmall.mtls.testing.TestPki;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.assertj.core.api.Assertions.assertThat;

class TlsHealthCheckTest {
    private final TestPki pki = TestPki.create();
    private final MutableClock clock = MutableClock.startingNow();

    @Test
    void reportsEveryCertificateInUse() {
        pki.issue("echo");
        HealthCheck.Result result = check(source(), Duration.ofDays(14)).execute();

        assertThat(result.isHealthy()).isTrue();
        assertThat(result.getMessage()).isEqualTo("certificates valid");
        assertThat(result.getDetails()).containsKeys("server_cert", "client_cert", "ca_cert");
        @SuppressWarnings("unchecked")
        Map<String, Object> server = ((List<Map<String, Object>>) result.getDetails().get("server_cert")).get(0);
        assertThat(server).containsEntry("subject", "CN=echo").containsKeys("serial", "not_after")
                .containsEntry("days_left", 29L);
    }

    @Test
    void warnsWithinTheExpiryWarning() {
        pki.write("echo", pki.ca().leaf("echo").validity(clock.instant().minusSeconds(60),
                clock.instant().plus(Duration.ofDays(5))).issue());
        TlsHealthCheck check = check(source(), Duration.ofDays(14));
        assertThat(check.execute().getMessage()).startsWith("WARNING: server_cert 'echo' expires in 4 days");

        clock.advance(Duration.ofDays(2));

        HealthCheck.Result result = check.execute();
        assertThat(result.isHealthy()).isTrue();
        assertThat(result.getMessage()).startsWith("WARNING: server_cert 'echo' expires in 2 days");
    }

    @Test
    void isUnhealthyOnceACertificateInUseHasExpired() {
        pki.write("echo", pki.ca().leaf("echo").validity(clock.instant().minusSeconds(60), clock.instant().plusSeconds(60))
                .issue());
        TlsHealthCheck check = check(source(), Duration.ofDays(14));
        assertThat(check.execute().isHealthy()).isTrue();

        clock.advance(Duration.ofSeconds(61));

        HealthCheck.Result result = check.execute();
        assertThat(result.isHealthy()).isFalse();
        assertThat(result.getMessage()).startsWith("server_cert 'echo' expired at ");
    }

    @Test
    void isUnhealthyWhileTheLastReloadFailed() throws IOException {
        pki.issue("echo");
        TlsSource source = source();
        Files.writeString(pki.caCert(), "");
        source.reload(false, Duration.ofSeconds(5));

        HealthCheck.Result result = check(source, Duration.ofDays(14)).execute();

        assertThat(result.isHealthy()).isFalse();
        assertThat(result.getMessage()).isEqualTo("the last reload failed, older certificates are in use: tls.ca_cert ("
                + pki.caCert() + "): the file is empty. Fix: make the files with scripts/generate_certs.sh.");
    }

    @Test
    void isUnhealthyWhileAConnectorHasNotTakenTheMaterialInUse() {
        pki.issue("echo");
        TlsSource source = source();
        AtomicBoolean refusing = new AtomicBoolean(true);
        source.onChange(next -> {
            if (refusing.get()) {
                throw new IllegalStateException("Jetty refused the new TLS context");
            }
        });
        pki.issue("echo");
        source.check();
        TlsHealthCheck check = check(source, Duration.ofDays(14));

        HealthCheck.Result result = check.execute();

        assertThat(result.isHealthy()).isFalse();
        assertThat(result.getMessage()).startsWith("not every connector, client and pool took the TLS material in use");
        refusing.set(false);
        source.check();
        assertThat(check.execute().isHealthy()).isTrue();
    }

    @Test
    void isUnhealthyWhenTheChecksOfTheFilesHaveStalled() {
        pki.issue("echo");
        TlsSource source = source();
        source.start();
        try {
            clock.advance(Duration.ofMinutes(2)); // the scheduler runs on real time: no check completes meanwhile

            HealthCheck.Result result = check(source, Duration.ofDays(14)).execute();

            assertThat(result.isHealthy()).isFalse();
            assertThat(result.getMessage()).startsWith("no check of the TLS files has completed since")
                    .endsWith("; rotation and CRL updates are not picked up");
        } finally {
            source.close();
        }
    }

    private TlsSource source() {
        return FileSource.watching(pki.tlsFiles("echo"))
                .options(TlsOptions.builder().checkEvery(Duration.ofSeconds(30)).clock(clock).build()).build();
    }

    private static TlsHealthCheck check(TlsSource source, Duration warning) {
        return new TlsHealthCheck(source, warning);
    }
}
