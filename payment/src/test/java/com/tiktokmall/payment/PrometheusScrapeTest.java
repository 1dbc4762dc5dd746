package com.tiktokmall.payment;

import com.tiktokmall.mtls.testing.MtlsTestClient;
import com.tiktokmall.mtls.testing.MtlsTestClient.Reply;
import com.tiktokmall.mtls.testing.Promtool;
import com.tiktokmall.mtls.testing.TestPki;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.util.Map;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What Prometheus scrapes from each of the three services after traffic on every resource: 200
 * with every resource's metrics, in text exposition that promtool accepts (a metric name that
 * Prometheus cannot tell from another fails the whole scrape with 500).
 */
class PrometheusScrapeTest {
    private static final TestPki PKI = TestPki.create();

    @RegisterExtension
    static final Shop SHOP = Shop.of(PKI);

    @BeforeAll
    static void trafficOnEveryResource() {
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
        "auth,    com_tiktokmall_auth_resources_TokenResource_revoke",
        "order,   com_tiktokmall_order_resources_OrderResource_markPaid",
        "payment, com_tiktokmall_payment_resources_ChargeResource_charge"})
    void everyServiceServesItsMetricsToPrometheus(String service, String resourceMetric) throws Exception {
        Reply scrape = MtlsTestClient.as(PKI.issue("ops"), PKI.ca())
                .get("https://localhost:" + adminPort(service) + "/prometheus");

        assertThat(scrape.status()).as(scrape.body().lines().limit(3).toList().toString()).isEqualTo(200);
        assertThat(scrape.body()).containsPattern("(?m)^" + resourceMetric + "_count [1-9]")
                .contains(resourceMetric + "_with_filters");
        Promtool.assertAccepts(scrape.body());
    }

    private static int adminPort(String service) {
        return switch (service) {
            case "auth" -> SHOP.authAndOrder().auth().getAdminPort();
            case "order" -> SHOP.authAndOrder().order().getAdminPort();
            default -> SHOP.payment().getAdminPort();
        };
    }
}
