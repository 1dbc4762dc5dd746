package com.tiktokmall.mtls.dropwizard;

import com.codahale.metrics.MetricRegistry;
import com.codahale.metrics.health.HealthCheck;
import com.tiktokmall.mtls.testing.TestPki;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

class TlsHealthCheckTest {
    private final TestPki pki = TestPki.create();

    @Test
    void reportsEveryCertificateInUse() {
        pki.issue("echo");
        HealthCheck.Result result = check(Duration.ofDays(14)).execute();

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
        pki.write("echo", pki.ca().leaf("echo").validity(Instant.now().minusSeconds(60), Instant.now().plus(Duration.ofDays(5)))
                .issue());

        HealthCheck.Result result = check(Duration.ofDays(14)).execute();

        assertThat(result.isHealthy()).isTrue();
        assertThat(result.getMessage()).startsWith("WARNING: server_cert 'echo' expires in 4 days");
    }

    @Test
    void isUnhealthyOnceACertificateInUseHasExpired() {
        pki.write("echo", pki.ca().leaf("echo").validity(Instant.now().minusSeconds(60), Instant.now().plusSeconds(2))
                .issue());
        TlsHealthCheck check = check(Duration.ofDays(14));

        await().atMost(10, TimeUnit.SECONDS).until(() -> !check.execute().isHealthy());
        assertThat(check.execute().getMessage()).startsWith("server_cert 'echo' expired at ");
    }

    @Test
    void isUnhealthyWhileTheLastReloadFailed() throws IOException {
        pki.issue("echo");
        TlsConfiguration tls = TlsReloaderTest.configuration(pki.tlsSettings("echo"));
        TlsMaterialHolder material = new TlsMaterialHolder(TlsMaterial.load(tls));
        TlsReloader reloader = new TlsReloader(tls, material, TlsReloader.content(tls), Executors.newSingleThreadScheduledExecutor(),
                new MetricRegistry());
        Files.writeString(pki.caCert(), "");
        reloader.reloadNow();

        HealthCheck.Result result = new TlsHealthCheck(material, reloader, Duration.ofDays(14)).execute();

        assertThat(result.isHealthy()).isFalse();
        assertThat(result.getMessage()).isEqualTo("the last reload failed, older certificates are in use: tls.ca_cert ("
                + pki.caCert() + "): the file is empty. Fix: make the files with scripts/generate_certs.sh.");
    }

    private TlsHealthCheck check(Duration warning) {
        TlsConfiguration tls = TlsReloaderTest.configuration(pki.tlsSettings("echo"));
        TlsMaterialHolder material = new TlsMaterialHolder(TlsMaterial.load(tls));
        return new TlsHealthCheck(material, new TlsReloader(tls, material, TlsReloader.content(tls), Executors.newSingleThreadScheduledExecutor(),
                new MetricRegistry()), warning);
    }
}
