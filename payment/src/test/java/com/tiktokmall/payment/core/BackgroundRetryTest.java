package com.tiktokmall.payment.core;

import com.tiktokmall.mtls.testing.MtlsTestClient.Reply;
import com.tiktokmall.mtls.testing.TestPki;
import com.tiktokmall.payment.PaymentTestApp;
import com.tiktokmall.payment.Shop;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.time.Duration;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** A charge order did not confirm is offered to it again every retry_interval, without the client asking. */
class BackgroundRetryTest {
    private static final TestPki PKI = TestPki.create();

    @RegisterExtension
    static final Shop SHOP = Shop.of(PKI)
            .withOrderSettings(OrderRowLock.orderWaits(300)) // order fails the call, the order stays pending
            .withPaymentSettings(settings -> settings.put("retry_interval", "1s"));

    @Test
    void aChargedChargeIsCompletedOnceOrderAnswers() {
        String token = SHOP.token(51);
        String orderId = SHOP.placeOrder(token);
        Reply first = OrderRowLock.whileHeld(SHOP, orderId,
                () -> SHOP.charge(token, UUID.randomUUID().toString(), PaymentTestApp.aCharge(orderId, "19.99")));
        // 202: order did not confirm the first call. Whether it is still pending now is a race with
        // the next retry (every second), so nothing is asserted about it here.
        assertThat(first.status()).as(first.toString()).isEqualTo(202);

        await().atMost(Duration.ofSeconds(30)).until(() -> SHOP.orderStatus(token, orderId), "PAID"::equals);
        await().atMost(Duration.ofSeconds(10)).until(() -> SHOP.paymentDatabase().withHandle(h -> h
                .createQuery("SELECT status FROM charges WHERE order_id = :id").bind("id", orderId)
                .mapTo(String.class).one()), "COMPLETED"::equals);
        assertThat(SHOP.chargesOf(orderId)).isEqualTo(1);
    }

}
