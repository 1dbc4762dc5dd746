package com.tiktokmall.payment;

import com.tiktokmall.mtls.testing.JvmMetrics;
import com.tiktokmall.mtls.testing.MtlsTestClient;
import com.tiktokmall.mtls.testing.MtlsTestClient.Reply;
import com.tiktokmall.mtls.testing.Promtool;
import com.tiktokmall.mtls.testing.TestPki;
import io.dropwizard.testing.DropwizardTestSupport;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.util.Map;
import java.util.UUID;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What Prometheus scrapes from each of the three services after traffic on every resource: 200
 * with every resource's metrics under Prometheus's names (timers in seconds, the request latency
 * as a histogram by route, the certificates' expiry as timestamps), in text exposition about
 * which promtool has nothing to say (a metric name that Prometheus cannot tell from another fails
 * the whole scrape with 500).
 */
class PrometheusScrapeTest {
    private static final TestPki PKI = TestPki.create();

    @RegisterExtension
    static final Shop SHOP = Shop.of(PKI);

    @BeforeAll
    static void trafficOnEveryResource() {
        for (String service : new String[] {"auth", "order", "payment"}) {
            JvmMetrics.registerAsInProduction(support(service).getApplication(), support(service).getEnvironment());
        }
        String token = SHOP.token(91);
        String orderId = SHOP.placeOrder(token);
        assertThat(SHOP.charge(token, UUID.randomUUID().toString(), PaymentTestApp.aCharge(orderId, "19.99")).status())
                .isEqualTo(201); // payment -> auth verify, order read and mark paid
        SHOP.orderStatus(token, orderId); // order's list
        MtlsTestClient gateway = SHOP.gateway();
        assertThat(gateway.post(SHOP.authAndOrder().authUrl("/v1/tokens/revoke"), Map.of("token", token)).status())
                .isEqualTo(204);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource({
        "auth,    com_tiktokmall_auth_resources_token_resource_revoke,      POST, /v1/tokens/revoke",
        "order,   com_tiktokmall_order_resources_order_resource_mark_paid,  POST, /v1/orders/{order_id}/paid",
        "payment, com_tiktokmall_payment_resources_charge_resource_charge,  POST, /v1/charges"})
    void everyServiceServesItsMetricsToPrometheus(String service, String resourceTimer, String method, String route)
            throws Exception {
        Reply scrape = MtlsTestClient.as(PKI.issue("ops"), PKI.ca())
                .get("https://localhost:" + support(service).getAdminPort() + "/prometheus");

        assertThat(scrape.status()).as(scrape.body().lines().limit(3).toList().toString()).isEqualTo(200);
        assertThat(scrape.body())
                .containsPattern("(?m)^" + resourceTimer + "_seconds_count [1-9]")
                .contains("# TYPE " + resourceTimer + "_with_filters_seconds summary")
                .containsPattern("(?m)^http_server_request_duration_seconds_bucket\\{method=\"" + method + "\",route=\""
                        + Pattern.quote(route) + "\",status=\"2[0-9][0-9]\",le=\"0\\.005\"} [0-9]")
                .containsPattern("(?m)^mtls_certificate_expiry_timestamp_seconds\\{serial=\"[0-9a-f]+\",setting=\"server_cert\","
                        + "spiffe_id=\"spiffe://tiktokmall\\.local/" + service + "\"} [0-9.E]+$")
                .containsPattern("(?m)^tls_handshakes_succeeded_total [1-9]")
                .contains("# TYPE jvm_memory_heap_used_bytes gauge");
        Promtool.assertAccepts(scrape.body());
    }

    private static DropwizardTestSupport<?> support(String service) {
        return switch (service) {
            case "auth" -> SHOP.authAndOrder().auth();
            case "order" -> SHOP.authAndOrder().order();
            default -> SHOP.payment();
        };
    }
}
