package com.tiktokmall.mtls.dropwizard.health;

import com.codahale.metrics.Gauge;
import com.codahale.metrics.MetricRegistry;
import com.codahale.metrics.health.HealthCheck;
import com.tiktokmall.mtls.TlsOptions;
import com.tiktokmall.mtls.source.FileSource;
import com.tiktokmall.mtls.source.TlsFiles;
import com.tiktokmall.mtls.source.TlsSource;
import com.tiktokmall.mtls.testing.MutableClock;
import com.tiktokmall.mtls.testing.TestCert;
import com.tiktokmall.mtls.testing.TestPki;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The health check and the gauges with CRLs in use, and the exact edge of the expiry warning,
 * with time moved by the test.
 */
class CrlAndExpiryHealthTest {
    private final TestPki pki = TestPki.create();
    private final MutableClock clock = MutableClock.startingNow();

    @Test
    void theWarningStartsExactlyTheWarningPeriodBeforeExpiry() {
        Instant notAfter = clock.instant().plus(Duration.ofDays(20)).truncatedTo(ChronoUnit.SECONDS);
        pki.write("echo", pki.ca().leaf("echo").validity(clock.instant().minusSeconds(60), notAfter).issue());
        TlsHealthCheck check = new TlsHealthCheck(source(pki.tlsFiles("echo")), Duration.ofDays(14));

        clock.advance(Duration.between(clock.instant(), notAfter.minus(Duration.ofDays(14))));
        assertThat(check.execute().getMessage()).isEqualTo("certificates valid");

        clock.advance(Duration.ofSeconds(1));
        assertThat(check.execute().getMessage()).startsWith("WARNING: server_cert 'echo' expires in 13 days");
    }

    @Test
    void listsEachCrlAndTurnsUnhealthyOnceOneIsOutOfDate() {
        pki.issue("echo");
        Instant nextUpdate = clock.instant().plus(Duration.ofDays(2)).truncatedTo(ChronoUnit.SECONDS);
        Path crl = TestCert.writeCrls(pki.dir().resolve("crl.pem"), pki.ca().crl(nextUpdate));
        TlsHealthCheck check = new TlsHealthCheck(source(pki.tlsFiles("echo"), crl), Duration.ofDays(1));

        HealthCheck.Result current = check.execute();
        assertThat(current.isHealthy()).isTrue();
        assertThat(current.getDetails()).containsEntry("crl",
                List.of(Map.of("issuer", "CN=TikTokMall Test CA", "next_update", nextUpdate.toString())));

        clock.advance(Duration.ofDays(3));

        HealthCheck.Result stale = check.execute();
        assertThat(stale.isHealthy()).isFalse();
        assertThat(stale.getMessage()).contains("the CRL of CN=TikTokMall Test CA is out of date since " + nextUpdate
                + ", so every peer it vouches for is refused; publish a fresh one");
    }

    @Test
    void withoutCrlsTheDetailsHaveNoCrlEntry() {
        pki.issue("echo");

        assertThat(new TlsHealthCheck(source(pki.tlsFiles("echo")), Duration.ofDays(1)).execute().getDetails())
                .doesNotContainKey("crl");
    }

    @Test
    void gaugesCountDownToExpiryAndToTheNextCrl() {
        TestCert echo = pki.issue("echo");
        Instant nextUpdate = clock.instant().plus(Duration.ofDays(2)).truncatedTo(ChronoUnit.SECONDS);
        Path crl = TestCert.writeCrls(pki.dir().resolve("crl.pem"), pki.ca().crl(nextUpdate));
        MetricRegistry metrics = new MetricRegistry();
        TlsSource source = source(pki.tlsFiles("echo"), crl);

        CertificateExpiryGauges.register(metrics, source);

        Instant now = clock.instant();
        assertThat(gauge(metrics, "tls.server_cert.seconds-until-expiry"))
                .isEqualTo(Duration.between(now, echo.certificate().getNotAfter().toInstant()).getSeconds());
        assertThat(gauge(metrics, "tls.ca_cert.seconds-until-expiry"))
                .isEqualTo(Duration.between(now, pki.ca().certificate().getNotAfter().toInstant()).getSeconds());
        assertThat(gauge(metrics, "tls.crl.seconds-until-next-update"))
                .isEqualTo(Duration.between(now, nextUpdate).getSeconds());

        clock.advance(Duration.ofHours(1));
        assertThat(gauge(metrics, "tls.crl.seconds-until-next-update"))
                .isEqualTo(Duration.between(now, nextUpdate).getSeconds() - 3600);
    }

    @Test
    void withoutCrlsThereIsNoCrlGauge() {
        pki.issue("echo");
        MetricRegistry metrics = new MetricRegistry();

        CertificateExpiryGauges.register(metrics, source(pki.tlsFiles("echo")));

        assertThat(metrics.getGauges()).containsOnlyKeys("tls.server_cert.seconds-until-expiry",
                "tls.client_cert.seconds-until-expiry", "tls.ca_cert.seconds-until-expiry");
    }

    private TlsSource source(TlsFiles files) {
        return source(files, null);
    }

    private TlsSource source(TlsFiles files, Path crl) {
        return FileSource.watching(files).options(TlsOptions.builder().crl(crl).checkEvery(Duration.ofSeconds(30))
                .clock(clock).build()).build();
    }

    private static long gauge(MetricRegistry metrics, String name) {
        return (Long) ((Gauge<?>) metrics.getGauges().get(name)).getValue();
    }
}
