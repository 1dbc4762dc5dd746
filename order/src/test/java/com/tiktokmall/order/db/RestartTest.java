package com.tiktokmall.order.db;

import com.tiktokmall.mtls.testing.MtlsTestClient;
import com.tiktokmall.mtls.testing.TestPki;
import com.tiktokmall.order.AuthAndOrder;
import com.tiktokmall.order.OrderFixture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** Orders outlive an order restart: they are in the H2 file under the data directory. */
class RestartTest {
    private static final TestPki PKI = TestPki.create();

    @RegisterExtension
    static final AuthAndOrder APPS = AuthAndOrder.of(PKI);

    @Test
    void ordersSurviveARestartOfOrder() throws Exception {
        MtlsTestClient gateway = MtlsTestClient.as(PKI.issue("gateway"), PKI.ca());
        String token = gateway.post(APPS.authUrl("/v1/tokens"), Map.of("user_id", 77)).text("token");
        String orderId = gateway.post(APPS.orderUrl("/v1/orders"), OrderFixture.order(), "Authorization", "Bearer " + token)
                .text("order_id");

        APPS.restartOrder();

        assertThat(gateway.get(APPS.orderUrl("/v1/orders"), "Authorization", "Bearer " + token).json().path("orders")
                .findValuesAsText("order_id")).containsExactly(orderId);
    }
}
