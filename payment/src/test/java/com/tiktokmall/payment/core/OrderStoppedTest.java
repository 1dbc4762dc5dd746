package com.tiktokmall.payment.core;

import com.tiktokmall.mtls.testing.MtlsTestClient.Reply;
import com.tiktokmall.mtls.testing.TestPki;
import com.tiktokmall.payment.PaymentTestApp;
import com.tiktokmall.payment.Shop;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * order stopping in the middle of a charge: the charge ends in a stated state (202, CHARGED),
 * nothing is charged twice, and a retry with the same key, or payment's own retry, completes it.
 *
 * <p>To stop order while payment is marking the order paid, the test holds a lock on the order's
 * row in order's database ({@link OrderRowLock}): payment reads the order and records the charge,
 * then order's {@code UPDATE} waits on the lock while the test stops order.
 */
class OrderStoppedTest {
    private static final TestPki PKI = TestPki.create();

    @RegisterExtension
    static final Shop SHOP = Shop.of(PKI)
            .withOrderSettings(OrderRowLock.orderWaits(5000)) // longer than payment's 2 s for order's answer
            .withPaymentSettings(settings -> settings.put("retry_interval", "1h")); // only the client retries here

    @Test
    void orderStoppedWhileMarkingPaidLeavesOneChargedChargeThatARetryCompletes() throws Exception {
        String token = SHOP.token(41);
        String orderId = SHOP.placeOrder(token);
        String key = UUID.randomUUID().toString();
        Reply first;
        try (OrderRowLock lock = OrderRowLock.hold(SHOP, orderId)) {
            CompletableFuture<Reply> charging = CompletableFuture.supplyAsync(() -> charge(token, key, orderId));
            await().atMost(Duration.ofSeconds(20)).until(() -> status(orderId), "CHARGED"::equals);

            SHOP.authAndOrder().stopOrder();
            first = charging.get(30, TimeUnit.SECONDS);
        }

        assertThat(first.status()).as(first.toString()).isEqualTo(202);
        assertThat(first.text("status")).isEqualTo("CHARGED");
        Reply whileDown = charge(token, key, orderId);
        assertThat(whileDown.status()).as(whileDown.toString()).isEqualTo(202);
        assertThat(whileDown.text("transaction_id")).isEqualTo(first.text("transaction_id"));

        SHOP.authAndOrder().startOrder();
        Reply retried = charge(token, key, orderId);

        assertThat(retried.status()).as(retried.toString()).isEqualTo(200);
        assertThat(retried.text("status")).isEqualTo("COMPLETED");
        assertThat(retried.text("transaction_id")).isEqualTo(first.text("transaction_id"));
        assertThat(SHOP.chargesOf(orderId)).isEqualTo(1);
        assertThat(SHOP.orderStatus(token, orderId)).isEqualTo("PAID");
    }

    @Test
    void anAnswerOfOrderLostAfterItMarkedTheOrderPaidIsCompletedByTheRetryWithoutASecondCharge() {
        String token = SHOP.token(42);
        String orderId = SHOP.placeOrder(token);
        String key = UUID.randomUUID().toString();
        // payment stops waiting for order's answer (order.client.timeout, 2s); once the lock is released,
        // order's UPDATE, still waiting, marks the order paid: the answer payment waited for is lost
        Reply first = OrderRowLock.whileHeld(SHOP, orderId, () -> charge(token, key, orderId));
        assertThat(first.status()).as(first.toString()).isEqualTo(202);
        assertThat(first.text("status")).isEqualTo("CHARGED");
        await().atMost(Duration.ofSeconds(20)).until(() -> SHOP.orderStatus(token, orderId), "PAID"::equals);

        Reply retried = charge(token, key, orderId);

        assertThat(retried.status()).as(retried.toString()).isEqualTo(200);
        assertThat(retried.text("status")).isEqualTo("COMPLETED");
        assertThat(SHOP.chargesOf(orderId)).isEqualTo(1);
    }

    @Test
    void orderStoppedBeforeAChargeIs503AndChargesNothing() throws Exception {
        String token = SHOP.token(43);
        String orderId = SHOP.placeOrder(token);
        SHOP.authAndOrder().stopOrder();
        try {
            Reply reply = charge(token, UUID.randomUUID().toString(), orderId);

            assertThat(reply.status()).as(reply.toString()).isEqualTo(503);
            assertThat(reply.text("message")).contains("nothing was charged");
            assertThat(SHOP.chargesOf(orderId)).isZero();
        } finally {
            SHOP.authAndOrder().startOrder();
        }
        assertThat(SHOP.orderStatus(token, orderId)).isEqualTo("PENDING");
    }

    private static Reply charge(String token, String key, String orderId) {
        return SHOP.charge(token, key, PaymentTestApp.aCharge(orderId, "19.99"));
    }

    private static String status(String orderId) {
        return SHOP.paymentDatabase().withHandle(h -> h.createQuery("SELECT status FROM charges WHERE order_id = :id")
                .bind("id", orderId).mapTo(String.class).findOne().orElse("none"));
    }

}
