package com.tiktokmall.payment.resources;

import com.tiktokmall.mtls.testing.MtlsTestClient.Reply;
import com.tiktokmall.mtls.testing.TestPki;
import com.tiktokmall.payment.PaymentTestApp;
import com.tiktokmall.payment.Shop;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.time.YearMonth;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.time.ZoneOffset;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;

/** The shopping flow through payment: auth, order and payment in one JVM over real mutual TLS. */
class ChargeFlowTest {
    private static final TestPki PKI = TestPki.create();
    private static final AtomicLong USERS = new AtomicLong(5000);
    private static final String TOTAL = "19.99"; // OrderTestApp.anOrder(): one item, cost 19.99

    @RegisterExtension
    static final Shop SHOP = Shop.of(PKI);

    @Test
    void aChargeMarksTheOrderPaid() {
        String token = SHOP.token(USERS.incrementAndGet());
        String orderId = SHOP.placeOrder(token);

        Reply charged = SHOP.charge(token, key(), PaymentTestApp.aCharge(orderId, TOTAL));

        assertThat(charged.status()).as(charged.toString()).isEqualTo(201);
        assertThat(charged.text("status")).isEqualTo("COMPLETED");
        assertThat(charged.text("order_id")).isEqualTo(orderId);
        assertThat(charged.text("card_last_four")).isEqualTo("4242");
        assertThat(charged.json().path("amount").decimalValue()).isEqualByComparingTo(TOTAL);
        assertThat(charged.text("transaction_id")).matches("[0-9a-f-]{36}");
        assertThat(SHOP.orderStatus(token, orderId)).isEqualTo("PAID");
        assertThat(SHOP.chargesOf(orderId)).isEqualTo(1);
    }

    @Test
    void aRepeatedIdempotencyKeyReturnsTheSameTransactionAndStoresOneRow() {
        String token = SHOP.token(USERS.incrementAndGet());
        String orderId = SHOP.placeOrder(token);
        String key = key();

        Reply first = SHOP.charge(token, key, PaymentTestApp.aCharge(orderId, TOTAL));
        Reply again = SHOP.charge(token, key, PaymentTestApp.aCharge(orderId, TOTAL));

        assertThat(first.status()).isEqualTo(201);
        assertThat(again.status()).as(again.toString()).isEqualTo(200);
        assertThat(again.response().headers().firstValue("Idempotent-Replayed")).hasValue("true");
        assertThat(again.text("transaction_id")).isEqualTo(first.text("transaction_id"));
        assertThat(again.text("status")).isEqualTo("COMPLETED");
        assertThat(SHOP.chargesOf(orderId)).isEqualTo(1);
    }

    @Test
    void anotherKeyForAPaidOrderIs409AndChargesNothing() {
        String token = SHOP.token(USERS.incrementAndGet());
        String orderId = SHOP.placeOrder(token);
        assertThat(SHOP.charge(token, key(), PaymentTestApp.aCharge(orderId, TOTAL)).status()).isEqualTo(201);

        Reply second = SHOP.charge(token, key(), PaymentTestApp.aCharge(orderId, TOTAL));

        assertThat(second.status()).as(second.toString()).isEqualTo(409);
        assertThat(SHOP.chargesOf(orderId)).isEqualTo(1);
    }

    @Test
    void aKeyUsedForAnotherChargeIs422() {
        String token = SHOP.token(USERS.incrementAndGet());
        String key = key();
        assertThat(SHOP.charge(token, key, PaymentTestApp.aCharge(SHOP.placeOrder(token), TOTAL)).status())
                .isEqualTo(201);
        String otherOrder = SHOP.placeOrder(token);

        Reply reused = SHOP.charge(token, key, PaymentTestApp.aCharge(otherOrder, TOTAL));

        assertThat(reused.status()).as(reused.toString()).isEqualTo(422);
        assertThat(reused.json().path("errors").get(0).asText()).startsWith("Idempotency-Key was used for another charge");
        assertThat(SHOP.chargesOf(otherOrder)).isZero();
        assertThat(SHOP.orderStatus(token, otherOrder)).isEqualTo("PENDING");
    }

    @Test
    void aCardFailingTheLuhnCheckIs422NamingTheNumberAndChargesNothing() {
        String token = SHOP.token(USERS.incrementAndGet());
        String orderId = SHOP.placeOrder(token);

        Reply refused = SHOP.charge(token, key(), PaymentTestApp.aCharge(orderId, TOTAL, card("4242424242424241", 12, 2099)));

        assertThat(refused.status()).as(refused.toString()).isEqualTo(422);
        assertThat(refused.json().path("errors").toString()).contains("credit_card.number fails the Luhn check");
        assertThat(SHOP.chargesOf(orderId)).isZero();
        assertThat(SHOP.orderStatus(token, orderId)).isEqualTo("PENDING");
    }

    @Test
    void anExpiredCardIs422NamingItsExpiryAndChargesNothing() {
        String token = SHOP.token(USERS.incrementAndGet());
        String orderId = SHOP.placeOrder(token);
        YearMonth lastMonth = YearMonth.now(ZoneOffset.UTC).minusMonths(1);
        String field = lastMonth.getYear() < YearMonth.now(ZoneOffset.UTC).getYear()
                ? "credit_card.expiration_year" : "credit_card.expiration_month";

        Reply refused = SHOP.charge(token, key(), PaymentTestApp.aCharge(orderId, TOTAL,
                card("4242424242424242", lastMonth.getMonthValue(), lastMonth.getYear())));

        assertThat(refused.status()).as(refused.toString()).isEqualTo(422);
        assertThat(refused.json().path("errors").get(0).asText())
                .isEqualTo(field + " the card expired at the end of " + lastMonth);
        assertThat(SHOP.chargesOf(orderId)).isZero();
    }

    @Test
    void aCvvOfAnotherShapeIs422NamingIt() {
        String token = SHOP.token(USERS.incrementAndGet());
        Map<String, Object> card = Map.of("number", "4242424242424242", "cvv", "12a", "expiration_month", 12,
                "expiration_year", 2099);

        Reply refused = SHOP.charge(token, key(), PaymentTestApp.aCharge(SHOP.placeOrder(token), TOTAL, card));

        assertThat(refused.status()).isEqualTo(422);
        assertThat(refused.json().path("errors").toString()).contains("credit_card.cvv must be 3 or 4 digits");
    }

    @Test
    void anAmountOtherThanTheOrdersTotalIs422NamingTheAmount() {
        String token = SHOP.token(USERS.incrementAndGet());
        String orderId = SHOP.placeOrder(token);

        Reply refused = SHOP.charge(token, key(), PaymentTestApp.aCharge(orderId, "1.00"));

        assertThat(refused.status()).as(refused.toString()).isEqualTo(422);
        assertThat(refused.json().path("errors").get(0).asText()).isEqualTo("amount must be 19.99, the order's total");
        assertThat(SHOP.chargesOf(orderId)).isZero();
    }

    @Test
    void anotherUsersOrderIs404AndStaysUnpaid() {
        String owner = SHOP.token(USERS.incrementAndGet());
        String orderId = SHOP.placeOrder(owner);

        Reply refused = SHOP.charge(SHOP.token(USERS.incrementAndGet()), key(), PaymentTestApp.aCharge(orderId, TOTAL));

        assertThat(refused.status()).as(refused.toString()).isEqualTo(404);
        assertThat(SHOP.chargesOf(orderId)).isZero();
        assertThat(SHOP.orderStatus(owner, orderId)).isEqualTo("PENDING");
    }

    @Test
    void withoutATokenIs401AndWithoutAKeyIs400() {
        String token = SHOP.token(USERS.incrementAndGet());
        String orderId = SHOP.placeOrder(token);
        Map<String, Object> charge = PaymentTestApp.aCharge(orderId, TOTAL);

        Reply noToken = SHOP.gateway().post(SHOP.paymentUrl("/v1/charges"), charge, "Idempotency-Key", key());
        Reply noKey = SHOP.gateway().post(SHOP.paymentUrl("/v1/charges"), charge, "Authorization", "Bearer " + token);

        assertThat(noToken.status()).isEqualTo(401);
        assertThat(noKey.status()).isEqualTo(400);
        assertThat(noKey.text("message")).startsWith("one Idempotency-Key header is required");
        assertThat(SHOP.chargesOf(orderId)).isZero();
    }

    @Test
    void twoIdempotencyKeysAre400() {
        String token = SHOP.token(USERS.incrementAndGet());
        String orderId = SHOP.placeOrder(token);

        Reply refused = SHOP.gateway().post(SHOP.paymentUrl("/v1/charges"), PaymentTestApp.aCharge(orderId, TOTAL),
                "Authorization", "Bearer " + token, "Idempotency-Key", key(), "Idempotency-Key", key());

        assertThat(refused.status()).as(refused.toString()).isEqualTo(400);
        assertThat(SHOP.chargesOf(orderId)).isZero();
    }

    @Test
    void concurrentRequestsWithOneKeyAllGetTheOneCharge() throws Exception {
        String token = SHOP.token(USERS.incrementAndGet());
        String orderId = SHOP.placeOrder(token);
        String key = key();
        ExecutorService callers = Executors.newFixedThreadPool(8);
        try {
            CountDownLatch together = new CountDownLatch(1);
            List<Future<Reply>> replies = new ArrayList<>();
            for (int i = 0; i < 8; i++) {
                replies.add(callers.submit(() -> {
                    together.await();
                    return SHOP.charge(token, key, PaymentTestApp.aCharge(orderId, TOTAL));
                }));
            }
            together.countDown();
            Set<String> transactions = new HashSet<>();
            List<Integer> statuses = new ArrayList<>();
            for (Future<Reply> reply : replies) {
                Reply answer = reply.get(60, TimeUnit.SECONDS);
                statuses.add(answer.status());
                transactions.add(answer.text("transaction_id"));
            }

            assertThat(statuses).as("one charge made, the others given it back").containsOnly(201, 200)
                    .containsOnlyOnce(201);
            assertThat(transactions).hasSize(1);
            assertThat(SHOP.chargesOf(orderId)).isEqualTo(1);
        } finally {
            callers.shutdownNow();
        }
    }

    private static Map<String, Object> card(String number, int month, int year) {
        return Map.of("number", number, "cvv", "123", "expiration_month", month, "expiration_year", year);
    }

    private static String key() {
        return UUID.randomUUID().toString();
    }
}
