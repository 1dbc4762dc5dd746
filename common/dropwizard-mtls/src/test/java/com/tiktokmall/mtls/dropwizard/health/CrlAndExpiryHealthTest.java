package com.tiktokmall.mtls.dropwizard.health;

import com.codahale.metrics.health.HealthCheck;
import com.tiktokmall.mtls.TlsOptions;
import com.tiktokmall.mtls.source.FileSource;
import com.tiktokmall.mtls.source.TlsFiles;
import com.tiktokmall.mtls.source.TlsSource;
import com.tiktokmall.mtls.testing.MutableClock;
import com.tiktokmall.mtls.testing.TestCert;
import com.tiktokmall.mtls.testing.TestPki;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.entry;

/**
 * The health check and the expiry timestamps with CRLs in use, and the exact edge of the expiry
 * warning, with time moved by the test.
 */
class CrlAndExpiryHealthTest {
    private static final String TRUST_DOMAIN = "tiktokmall.local";

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
    void expiryIsATimestampPerCertificateInUseAndTheNextCrlOnePerIssuer() {
        TestCert echo = pki.issue("echo");
        Instant nextUpdate = clock.instant().plus(Duration.ofDays(2)).truncatedTo(ChronoUnit.SECONDS);
        Path crl = TestCert.writeCrls(pki.dir().resolve("crl.pem"), pki.ca().crl(nextUpdate));
        PrometheusRegistry registry = new PrometheusRegistry();

        ExpiryTimestamps.register(registry, source(pki.tlsFiles("echo"), crl), null, TRUST_DOMAIN);

        X509Certificate ca = pki.ca().certificate();
        assertThat(points(registry, ExpiryTimestamps.CERTIFICATES)).containsOnly(
                entry(Map.of("setting", "server_cert", "spiffe_id", "spiffe://tiktokmall.local/echo", "serial", serial(echo.certificate())), notAfter(echo.certificate())),
                entry(Map.of("setting", "client_cert", "spiffe_id", "spiffe://tiktokmall.local/echo", "serial", serial(echo.certificate())), notAfter(echo.certificate())),
                entry(Map.of("setting", "ca_cert", "spiffe_id", "", "serial", serial(ca)), notAfter(ca)));
        assertThat(points(registry, ExpiryTimestamps.CRLS))
                .containsOnly(entry(Map.of("issuer", "CN=TikTokMall Test CA"), (double) nextUpdate.getEpochSecond()));
    }

    @Test
    void theDatabaseCertificateOfTlsDatabaseIsASeriesOfItsOwn() {
        TestCert echo = pki.issue("echo");
        TestCert database = pki.ca().leaf("echo").clientAuthOnly().issue();
        TlsFiles databaseFiles = TlsFiles.builder().caCert(pki.caCert())
                .client(database.writeCertificate(pki.dir().resolve("db-cert.pem")), database.writeKey(pki.dir().resolve("db-key.pem")))
                .build();
        PrometheusRegistry registry = new PrometheusRegistry();

        ExpiryTimestamps.register(registry, source(pki.tlsFiles("echo")), source(databaseFiles), TRUST_DOMAIN);

        X509Certificate ca = pki.ca().certificate();
        assertThat(points(registry, ExpiryTimestamps.CERTIFICATES)).hasSize(5)
                .containsEntry(Map.of("setting", "server_cert", "spiffe_id", "spiffe://tiktokmall.local/echo", "serial",
                        serial(echo.certificate())), notAfter(echo.certificate()))
                .containsEntry(Map.of("setting", "database.client_cert", "spiffe_id", "spiffe://tiktokmall.local/echo",
                        "serial", serial(database.certificate())), notAfter(database.certificate()))
                .containsEntry(Map.of("setting", "database.ca_cert", "spiffe_id", "", "serial", serial(ca)), notAfter(ca));
    }

    @Test
    void theSeriesFollowTheMaterialInUse() {
        pki.issue("echo");
        Path crl = TestCert.writeCrls(pki.dir().resolve("crl.pem"), pki.ca().crl(clock.instant().plus(Duration.ofDays(2))));
        PrometheusRegistry registry = new PrometheusRegistry();
        TlsSource source = source(pki.tlsFiles("echo"), crl);
        ExpiryTimestamps.register(registry, source, null, TRUST_DOMAIN);

        TestCert renewed = pki.write("echo", pki.ca().leaf("echo").validity(clock.instant().minusSeconds(60),
                clock.instant().plus(Duration.ofDays(90)).truncatedTo(ChronoUnit.SECONDS)).issue());
        Instant nextUpdate = clock.instant().plus(Duration.ofDays(7)).truncatedTo(ChronoUnit.SECONDS);
        TestCert.writeCrls(crl, pki.ca().crl(nextUpdate));
        source.reload(false, Duration.ofSeconds(5));

        assertThat(points(registry, ExpiryTimestamps.CERTIFICATES)).contains(entry(Map.of("setting", "server_cert",
                "spiffe_id", "spiffe://tiktokmall.local/echo", "serial", serial(renewed.certificate())), notAfter(renewed.certificate())))
                .hasSize(3);
        assertThat(points(registry, ExpiryTimestamps.CRLS))
                .containsOnly(entry(Map.of("issuer", "CN=TikTokMall Test CA"), (double) nextUpdate.getEpochSecond()));
    }

    @Test
    void aCaListedTwiceIsOneSeriesNotAFailedScrape() {
        pki.issue("echo");
        TestCert.writeCertificates(pki.caCert(), pki.ca().certificate(), pki.ca().certificate());
        PrometheusRegistry registry = new PrometheusRegistry();

        ExpiryTimestamps.register(registry, source(pki.tlsFiles("echo")), null, TRUST_DOMAIN);

        assertThat(points(registry, ExpiryTimestamps.CERTIFICATES)).containsEntry(Map.of("setting", "ca_cert",
                "spiffe_id", "", "serial", serial(pki.ca().certificate())), notAfter(pki.ca().certificate())).hasSize(3);
    }

    @Test
    void withoutCrlsThereIsNoCrlMetric() {
        pki.issue("echo");
        PrometheusRegistry registry = new PrometheusRegistry();

        ExpiryTimestamps.register(registry, source(pki.tlsFiles("echo")), null, TRUST_DOMAIN);

        assertThat(registry.scrape().stream().map(snapshot -> snapshot.getMetadata().getPrometheusName()))
                .containsExactly(ExpiryTimestamps.CERTIFICATES);
    }

    private TlsSource source(TlsFiles files) {
        return source(files, null);
    }

    private TlsSource source(TlsFiles files, Path crl) {
        return FileSource.watching(files).options(TlsOptions.builder().crl(crl).checkEvery(Duration.ofSeconds(30))
                .clock(clock).build()).build();
    }

    /** Each series of the gauge {@code name}: its labels and value. */
    private static Map<Map<String, String>, Double> points(PrometheusRegistry registry, String name) {
        Map<Map<String, String>, Double> points = new HashMap<>();
        registry.scrape().stream().filter(snapshot -> snapshot.getMetadata().getPrometheusName().equals(name))
                .flatMap(snapshot -> ((GaugeSnapshot) snapshot).getDataPoints().stream())
                .forEach(point -> {
                    Map<String, String> labels = new HashMap<>();
                    point.getLabels().forEach(label -> labels.put(label.getName(), label.getValue()));
                    points.put(labels, point.getValue());
                });
        return points;
    }

    private static String serial(X509Certificate certificate) {
        return certificate.getSerialNumber().toString(16);
    }

    private static double notAfter(X509Certificate certificate) {
        return certificate.getNotAfter().toInstant().getEpochSecond();
    }
}
