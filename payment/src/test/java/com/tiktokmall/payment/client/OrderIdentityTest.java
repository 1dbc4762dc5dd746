package com.tiktokmall.payment.client;

import com.tiktokmall.mtls.MtlsContext;
import com.tiktokmall.mtls.TrustBundle;
import com.tiktokmall.mtls.testing.FakeService;
import com.tiktokmall.mtls.testing.MtlsTestClient.Reply;
import com.tiktokmall.mtls.testing.Ports;
import com.tiktokmall.mtls.testing.TestCert;
import com.tiktokmall.mtls.testing.TestPki;
import com.tiktokmall.payment.PaymentTestApp;
import com.tiktokmall.payment.Shop;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.io.IOException;
import java.util.List;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * payment sends order's requests to a server presenting order's SPIFFE ID only: a server of the
 * same CA at order's address with another identity gets no request, and nothing is charged.
 */
class OrderIdentityTest {
    private static final TestPki PKI = TestPki.create();
    private static final int ORDER_ADDRESS = Ports.free();

    @RegisterExtension
    static final Shop SHOP = Shop.of(PKI)
            .withPaymentSettings(settings -> settings.put("order.url", "https://localhost:" + ORDER_ADDRESS));

    @Test
    void aServerOfOurCaPresentingAuthsIdentityAtOrdersAddressGetsNothing() throws IOException {
        String token = SHOP.token(31);
        String orderId = SHOP.placeOrder(token); // at the real order; payment looks for it at the impostor

        try (FakeService impostor = FakeService.start(ORDER_ADDRESS, server(PKI.issue("auth")), 200, "{}")) {
            Reply reply = SHOP.charge(token, UUID.randomUUID().toString(), PaymentTestApp.aCharge(orderId, "19.99"));

            assertThat(reply.status()).as(reply.toString()).isEqualTo(503);
            assertThat(impostor.requests()).as("requests that reached the impostor").isZero();
        }
        assertThat(SHOP.chargesOf(orderId)).isZero();
    }

    @Test
    void theSameServerPresentingOrdersIdentityIsAsked() throws IOException {
        String token = SHOP.token(32);
        String orderId = SHOP.placeOrder(token);

        try (FakeService order = FakeService.start(ORDER_ADDRESS, server(PKI.issue("order")), 404, "{}")) {
            Reply reply = SHOP.charge(token, UUID.randomUUID().toString(), PaymentTestApp.aCharge(orderId, "19.99"));

            assertThat(reply.status()).as(reply.toString()).isEqualTo(404); // what this order said
            assertThat(order.received()).singleElement().satisfies(request -> {
                assertThat(request.method() + " " + request.path()).isEqualTo("GET /v1/orders/" + orderId);
                assertThat(request.clientUris()).containsExactly("spiffe://tiktokmall.local/payment");
            });
        }
        assertThat(SHOP.chargesOf(orderId)).isZero();
    }

    private static MtlsContext server(TestCert cert) {
        return MtlsContext.forServer(cert.identity()).trust(TrustBundle.of(List.of(PKI.ca().certificate()))).build();
    }
}
