package com.tiktokmall.order.db;

import com.tiktokmall.auth.AuthConfiguration;
import com.tiktokmall.auth.AuthTestApp;
import com.tiktokmall.mtls.testing.MtlsTestClient;
import com.tiktokmall.mtls.testing.TestPki;
import com.tiktokmall.order.OrderConfiguration;
import com.tiktokmall.order.OrderTestApp;
import io.dropwizard.testing.DropwizardTestSupport;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** Orders outlive an order restart: they are in the H2 file under the data directory. */
class RestartTest {
    private static final TestPki PKI = TestPki.create();

    @Test
    void ordersSurviveARestartOfOrder() throws Exception {
        Path data = AuthTestApp.dataDir(PKI);
        DropwizardTestSupport<AuthConfiguration> auth = AuthTestApp.support(AuthTestApp.settings(PKI, data));
        auth.before();
        try {
            Map<String, String> settings = OrderTestApp.settings(PKI, data, "https://localhost:" + auth.getLocalPort());
            MtlsTestClient gateway = MtlsTestClient.as(PKI.issue("gateway"), PKI.ca());
            String token = gateway.post("https://localhost:" + auth.getLocalPort() + "/v1/tokens",
                    Map.of("user_id", 77)).text("token");
            Map<String, Object> body = Map.of("currency", "JPY", "email", "k@example.com",
                    "address", Map.of("street_address", "1-1", "city", "Tokyo", "state", "Tokyo", "country", "JP",
                            "zip_code", "100-0001"),
                    "items", List.of(Map.of("product_id", 3, "quantity", 4, "cost", 120)));

            DropwizardTestSupport<OrderConfiguration> order = OrderTestApp.support(settings);
            order.before();
            String orderId = gateway.post(url(order), body, "Authorization", "Bearer " + token).text("order_id");
            order.after();

            DropwizardTestSupport<OrderConfiguration> restarted = OrderTestApp.support(settings);
            restarted.before();
            try {
                assertThat(gateway.get(url(restarted), "Authorization", "Bearer " + token).json().path("orders")
                        .findValuesAsText("order_id")).containsExactly(orderId);
            } finally {
                restarted.after();
            }
        } finally {
            auth.after();
        }
    }

    private static String url(DropwizardTestSupport<?> order) {
        return "https://localhost:" + order.getLocalPort() + "/v1/orders";
    }
}
