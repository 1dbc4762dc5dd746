package com.tiktokmall.payment.resources;

import com.tiktokmall.mtls.testing.MtlsTestClient;
import com.tiktokmall.mtls.testing.MtlsTestClient.Reply;
import com.tiktokmall.mtls.testing.TestPki;
import com.tiktokmall.payment.PaymentTestApp;
import com.tiktokmall.payment.Shop;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import org.junit.jupiter.api.extension.RegisterExtension;

import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/** payment's access matrix over real mTLS: only the gateway may charge. */
class AccessMatrixTest {
    private static final TestPki PKI = TestPki.create();

    @RegisterExtension
    static final Shop SHOP = Shop.of(PKI);

    @ParameterizedTest(name = "POST /v1/charges by {0}")
    @ValueSource(strings = {"auth", "order", "gateway", "payment", "ops"})
    void onlyTheGatewayMayCharge(String identity) {
        String token = SHOP.token(77);
        String orderId = SHOP.placeOrder(token);
        MtlsTestClient caller = MtlsTestClient.as(PKI.issue(identity), PKI.ca());

        Reply reply = caller.post(SHOP.paymentUrl("/v1/charges"), PaymentTestApp.aCharge(orderId, "19.99"),
                "Authorization", "Bearer " + token, "Idempotency-Key", UUID.randomUUID().toString());

        if (identity.equals("gateway")) {
            assertThat(reply.status()).as(reply.toString()).isEqualTo(201);
        } else {
            String id = "spiffe://tiktokmall.local/" + identity;
            assertThat(reply.status()).as(reply.toString()).isEqualTo(403);
            assertThat(reply.text("identity")).isEqualTo(id);
            assertThat(reply.text("missing_role")).isEqualTo(PaymentRoles.CHARGE);
            assertThat(SHOP.chargesOf(orderId)).isZero();
        }
    }
}
