package com.tiktokmall.payment.core;

import com.tiktokmall.mtls.testing.MtlsTestClient.Reply;
import com.tiktokmall.mtls.testing.TestPki;
import com.tiktokmall.payment.PaymentTestApp;
import com.tiktokmall.payment.Shop;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.time.Duration;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** A charge order did not confirm is offered to it again every retry_interval, without the client asking. */
class BackgroundRetryTest {
    private static final TestPki PKI = TestPki.create();
    private static final String LOCK_TIMEOUT = ";LOCK_TIMEOUT=2000";

    @RegisterExtension
    static final Shop SHOP = Shop.of(PKI)
            .withOrderSettings(settings -> settings.put("database.url", settings.get("database.url") + LOCK_TIMEOUT))
            .withPaymentSettings(settings -> settings.put("retry_interval", "1s"));

    @Test
    void aChargedChargeIsCompletedOnceOrderAnswers() {
        String token = SHOP.token(51);
        String orderId = SHOP.placeOrder(token);
        Reply first;
        try (Handle lock = orderDatabase().open()) {
            lock.begin();
            lock.createQuery("SELECT status FROM orders WHERE order_id = :id FOR UPDATE").bind("id", orderId)
                    .mapTo(String.class).one();
            first = SHOP.charge(token, UUID.randomUUID().toString(), PaymentTestApp.aCharge(orderId, "19.99"));
            lock.rollback();
        }
        assertThat(first.status()).as(first.toString()).isEqualTo(202);

        await().atMost(Duration.ofSeconds(30)).until(() -> SHOP.orderStatus(token, orderId), "PAID"::equals);
        await().atMost(Duration.ofSeconds(10)).until(() -> SHOP.paymentDatabase().withHandle(h -> h
                .createQuery("SELECT status FROM charges WHERE order_id = :id").bind("id", orderId)
                .mapTo(String.class).one()), "COMPLETED"::equals);
        assertThat(SHOP.chargesOf(orderId)).isEqualTo(1);
    }

    private static Jdbi orderDatabase() {
        return Jdbi.create("jdbc:h2:" + SHOP.data().resolve("order").toAbsolutePath() + ";DB_CLOSE_ON_EXIT=FALSE"
                + LOCK_TIMEOUT, "sa", "");
    }
}
