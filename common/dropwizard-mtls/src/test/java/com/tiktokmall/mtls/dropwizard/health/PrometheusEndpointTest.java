package com.tiktokmall.mtls.dropwizard.health;

import com.codahale.metrics.Gauge;
import com.tiktokmall.mtls.testing.EchoApplication;
import com.tiktokmall.mtls.testing.JvmMetrics;
import com.tiktokmall.mtls.testing.MtlsTestClient;
import com.tiktokmall.mtls.testing.MtlsTestClient.Reply;
import com.tiktokmall.mtls.testing.Promtool;
import com.tiktokmall.mtls.testing.TestCert;
import com.tiktokmall.mtls.testing.TestPki;
import io.dropwizard.testing.ResourceHelpers;
import io.dropwizard.testing.junit5.DropwizardAppExtension;
import io.dropwizard.testing.junit5.DropwizardExtensionsSupport;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.Locale;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/**
 * Every metric in Prometheus text exposition on the admin port, for the admin identities only,
 * under Prometheus's names, with the resources' latency as a histogram and the certificates'
 * expiry as timestamps.
 */
@ExtendWith(DropwizardExtensionsSupport.class)
class PrometheusEndpointTest {
    private static final TestPki PKI = TestPki.create();
    private static final TestCert ECHO = PKI.issue("echo");
    private static final DropwizardAppExtension<EchoApplication.EchoConfiguration> APP = new DropwizardAppExtension<>(
            EchoApplication.class, ResourceHelpers.resourceFilePath("echo.yml"), PKI.tlsOverrides("echo"));

    @BeforeAll
    static void asInProduction() {
        JvmMetrics.registerAsInProduction(APP.getApplication(), APP.getEnvironment());
    }

    @Test
    void opsReadsEveryMetricInTextExposition() {
        Reply reply = MtlsTestClient.as(PKI.issue("ops"), PKI.ca()).get(prometheus());

        assertThat(reply.status()).isEqualTo(200);
        assertThat(reply.body()).contains("# TYPE mtls_certificate_expiry_timestamp_seconds gauge")
                .containsPattern("(?m)^tls_reloads_succeeded_total 0")
                .containsPattern("(?m)^tls_handshakes_succeeded_total [1-9]");
    }

    @Test
    void namesSayTheirUnitAndCountersEndInTotal() {
        whoAmI();
        APP.getEnvironment().metrics().timer("test.known").update(Duration.ofMillis(250));
        try {
            String scrape = scrape();

            assertThat(scrape).contains(
                            "# TYPE io_dropwizard_jetty_mutable_servlet_context_handler_requests_seconds summary",
                            "# TYPE io_dropwizard_jetty_mutable_servlet_context_handler_2xx_responses_total counter",
                            "# TYPE io_dropwizard_jetty_mutable_servlet_context_handler_active_requests gauge",
                            "# TYPE jvm_memory_heap_used_bytes gauge", "# TYPE jvm_attribute_uptime_seconds gauge")
                    .containsPattern("(?m)^io_dropwizard_jetty_mutable_servlet_context_handler_2xx_responses_total [1-9]")
                    .doesNotContain("percent_4xx", "seconds_until_expiry");
            assertThat(Double.parseDouble(sample(scrape, "test_known_seconds{quantile=\"0.5\"}"))).isCloseTo(0.25, within(1e-9));
        } finally {
            APP.getEnvironment().metrics().remove("test.known");
        }
    }

    @Test
    void resourceLatencyIsAHistogramByRouteNeverByPath() {
        whoAmI();
        String unknown = "/no-such-" + UUID.randomUUID();
        Reply missing = MtlsTestClient.as(PKI.issue("gateway"), PKI.ca()).get("https://localhost:" + APP.getLocalPort() + unknown);
        assertThat(missing.status()).isEqualTo(404);

        String scrape = scrape();

        assertThat(scrape).contains("# TYPE http_server_request_duration_seconds histogram")
                .contains("http_server_request_duration_seconds_bucket{method=\"GET\",route=\"/whoami\",status=\"200\",le=\"0.005\"} ")
                .contains("http_server_request_duration_seconds_bucket{method=\"GET\",route=\"/whoami\",status=\"200\",le=\"+Inf\"} ")
                .contains("http_server_request_duration_seconds_count{method=\"GET\",route=\"unmatched\",status=\"404\"} ")
                .doesNotContain(unknown.substring(1));
    }

    @Test
    void aMethodOutsideTheAllowedOnesAddsNoSeries() {
        String method = "X-" + UUID.randomUUID().toString().substring(0, 8).toUpperCase(Locale.ROOT);
        Reply odd = MtlsTestClient.as(PKI.issue("gateway"), PKI.ca()).request(method, whoAmIUrl());
        assertThat(odd.status()).isEqualTo(405);

        assertThat(scrape()).doesNotContain(method);
    }

    @Test
    void certificateExpiryIsATimestampPerCertificateThatFollowsAReload() {
        X509Certificate before = ECHO.certificate();
        assertThat(expiry(scrape(), "server_cert", "spiffe://tiktokmall.local/echo", before))
                .isEqualTo(before.getNotAfter().toInstant().getEpochSecond());
        assertThat(expiry(scrape(), "ca_cert", "", PKI.ca().certificate()))
                .isEqualTo(PKI.ca().certificate().getNotAfter().toInstant().getEpochSecond());

        X509Certificate after = PKI.issue("echo").certificate();
        Reply reload = MtlsTestClient.as(PKI.issue("ops"), PKI.ca()).post("https://localhost:" + APP.getAdminPort()
                + "/tasks/reload-tls");
        assertThat(reload.status()).as(reload.body()).isEqualTo(200);

        String scrape = scrape();
        assertThat(expiry(scrape, "server_cert", "spiffe://tiktokmall.local/echo", after))
                .isEqualTo(after.getNotAfter().toInstant().getEpochSecond());
        assertThat(expiry(scrape, "client_cert", "spiffe://tiktokmall.local/echo", after))
                .isEqualTo(after.getNotAfter().toInstant().getEpochSecond());
        assertThat(scrape).doesNotContain("serial=\"" + before.getSerialNumber().toString(16) + "\"");
    }

    @Test
    void aMetricThatCannotBeReadIsLeftOutNotTheScrape() {
        APP.getEnvironment().metrics().register("broken.gauge", (Gauge<Long>) () -> {
            throw new IllegalStateException("database away");
        });
        try {
            Reply reply = MtlsTestClient.as(PKI.issue("ops"), PKI.ca()).get(prometheus());

            assertThat(reply.status()).isEqualTo(200);
            assertThat(reply.body()).contains("tls_handshakes_succeeded_total").doesNotContain("broken_gauge");
        } finally {
            APP.getEnvironment().metrics().remove("broken.gauge");
        }
    }

    @Test
    void anotherIdentityMayNotScrape() {
        assertThat(MtlsTestClient.as(PKI.issue("gateway"), PKI.ca()).get(prometheus()).status()).isEqualTo(403);
    }

    @Test
    void promtoolFindsNoProblemAfterTraffic() throws Exception {
        whoAmI();

        Promtool.assertAccepts(scrape());
    }

    private static void whoAmI() {
        assertThat(MtlsTestClient.as(PKI.issue("gateway"), PKI.ca()).get(whoAmIUrl()).status()).isEqualTo(200);
    }

    private static String whoAmIUrl() {
        return "https://localhost:" + APP.getLocalPort() + "/whoami";
    }

    private static String scrape() {
        Reply reply = MtlsTestClient.as(PKI.issue("ops"), PKI.ca()).get(prometheus());
        assertThat(reply.status()).isEqualTo(200);
        return reply.body();
    }

    /** The value of the series written exactly as {@code series}. */
    private static String sample(String scrape, String series) {
        Matcher sample = Pattern.compile("(?m)^" + Pattern.quote(series) + " (\\S+)$").matcher(scrape);
        assertThat(sample.find()).as("%s in%n%s", series, scrape).isTrue();
        return sample.group(1);
    }

    private static long expiry(String scrape, String setting, String spiffeId, X509Certificate certificate) {
        String series = ExpiryTimestamps.CERTIFICATES + "{serial=\"" + certificate.getSerialNumber().toString(16)
                + "\",setting=\"" + setting + "\",spiffe_id=\"" + spiffeId + "\"}";
        return (long) Double.parseDouble(sample(scrape, series));
    }

    private static String prometheus() {
        return "https://localhost:" + APP.getAdminPort() + PrometheusEndpoint.PATH;
    }
}
