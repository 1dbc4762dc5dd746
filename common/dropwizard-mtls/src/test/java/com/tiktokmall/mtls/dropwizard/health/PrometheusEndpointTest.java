package com.tiktokmall.mtls.dropwizard.health;

import com.codahale.metrics.Gauge;
import com.tiktokmall.mtls.testing.EchoApplication;
import com.tiktokmall.mtls.testing.MtlsTestClient;
import com.tiktokmall.mtls.testing.MtlsTestClient.Reply;
import com.tiktokmall.mtls.testing.Promtool;
import com.tiktokmall.mtls.testing.TestPki;
import io.dropwizard.testing.ResourceHelpers;
import io.dropwizard.testing.junit5.DropwizardAppExtension;
import io.dropwizard.testing.junit5.DropwizardExtensionsSupport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import static org.assertj.core.api.Assertions.assertThat;

/** Every metric in Prometheus text exposition on the admin port, for the admin identities only. */
@ExtendWith(DropwizardExtensionsSupport.class)
class PrometheusEndpointTest {
    private static final TestPki PKI = TestPki.create();
    private static final DropwizardAppExtension<EchoApplication.EchoConfiguration> APP = new DropwizardAppExtension<>(
            EchoApplication.class, ResourceHelpers.resourceFilePath("echo.yml"), PKI.tlsOverrides("echo"));

    @Test
    void opsReadsEveryMetricInTextExposition() {
        Reply reply = MtlsTestClient.as(PKI.issue("ops"), PKI.ca()).get(prometheus());

        assertThat(reply.status()).isEqualTo(200);
        assertThat(reply.body()).contains("# TYPE tls_server_cert_seconds_until_expiry gauge")
                .containsPattern("(?m)^tls_reloads_succeeded_total 0")
                .containsPattern("(?m)^tls_handshakes_succeeded_total [1-9]");
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
    void promtoolParsesTheOutput() throws Exception {
        Promtool.assertAccepts(MtlsTestClient.as(PKI.issue("ops"), PKI.ca()).get(prometheus()).body());
    }

    private static String prometheus() {
        return "https://localhost:" + APP.getAdminPort() + PrometheusEndpoint.PATH;
    }
}
