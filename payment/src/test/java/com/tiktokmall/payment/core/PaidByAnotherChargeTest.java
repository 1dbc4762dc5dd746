package com.tiktokmall.payment.core;

import com.tiktokmall.mtls.testing.MtlsTestClient;
import com.tiktokmall.mtls.testing.MtlsTestClient.Reply;
import com.tiktokmall.mtls.testing.TestPki;
import com.tiktokmall.payment.PaymentTestApp;
import com.tiktokmall.payment.Shop;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.util.Map;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * order records which charge paid an order: a charge of an order that another charge paid
 * meanwhile (say, a second payment with a database of its own) is refused by order for good and
 * never reported COMPLETED.
 */
class PaidByAnotherChargeTest {
    private static final TestPki PKI = TestPki.create();

    @RegisterExtension
    static final Shop SHOP = Shop.of(PKI)
            .withOrderSettings(OrderRowLock.orderWaits(300)) // order fails the first call: the charge stays CHARGED
            .withPaymentSettings(settings -> settings.put("retry_interval", "1h"));

    @Test
    void aChargeOfAnOrderPaidByAnotherIsRefusedByOrderAndNotRetried() {
        String token = SHOP.token(81);
        String orderId = SHOP.placeOrder(token);
        String key = UUID.randomUUID().toString();
        Reply first = OrderRowLock.whileHeld(SHOP, orderId,
                () -> SHOP.charge(token, key, PaymentTestApp.aCharge(orderId, "19.99")));
        assertThat(first.status()).as(first.toString()).isEqualTo(202);
        MtlsTestClient otherPayment = MtlsTestClient.as(PKI.issue("payment"), PKI.ca());
        Reply paidByOther = otherPayment.post(SHOP.orderUrl("/v1/orders/" + orderId + "/paid"),
                Map.of("transaction_id", UUID.randomUUID().toString()));
        assertThat(paidByOther.status()).as(paidByOther.toString()).isEqualTo(200);

        Reply retried = SHOP.charge(token, key, PaymentTestApp.aCharge(orderId, "19.99"));

        assertThat(retried.status()).as(retried.toString()).isEqualTo(409);
        assertThat(retried.text("status")).isEqualTo("REFUSED_BY_ORDER");
        assertThat(retried.text("transaction_id")).isEqualTo(first.text("transaction_id"));
        assertThat(SHOP.charge(token, key, PaymentTestApp.aCharge(orderId, "19.99")).text("status"))
                .as("refused for good").isEqualTo("REFUSED_BY_ORDER");
        assertThat(SHOP.chargesOf(orderId)).isEqualTo(1);
    }

    @Test
    void theSameChargeAskingOrderAgainIsAnsweredPaid() {
        String token = SHOP.token(82);
        String orderId = SHOP.placeOrder(token);
        MtlsTestClient payment = MtlsTestClient.as(PKI.issue("payment"), PKI.ca());
        Map<String, Object> byThisCharge = Map.of("transaction_id", UUID.randomUUID().toString());
        String url = SHOP.orderUrl("/v1/orders/" + orderId + "/paid");

        assertThat(payment.post(url, byThisCharge).status()).isEqualTo(200);
        assertThat(payment.post(url, byThisCharge).status()).as("its answer may have been lost").isEqualTo(200);
        assertThat(payment.post(url, Map.of("transaction_id", UUID.randomUUID().toString())).status()).isEqualTo(409);
        assertThat(payment.post(url).status()).as("without a transaction id").isEqualTo(409);
    }
}
