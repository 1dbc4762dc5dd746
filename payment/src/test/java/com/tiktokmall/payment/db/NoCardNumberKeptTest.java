package com.tiktokmall.payment.db;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.ThrowableProxyUtil;
import ch.qos.logback.core.read.ListAppender;
import com.tiktokmall.mtls.testing.MtlsTestClient.Reply;
import com.tiktokmall.mtls.testing.TestPki;
import com.tiktokmall.payment.PaymentTestApp;
import com.tiktokmall.payment.Shop;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.slf4j.LoggerFactory;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Neither the card number nor the CVV is kept: after charges that succeed, fail every check, or
 * find order away, no log line, answer or byte of payment's database files holds them.
 */
class NoCardNumberKeptTest {
    private static final TestPki PKI = TestPki.create();
    private static final String NUMBER = "4111111111111111";
    private static final String BAD_NUMBER = "4111111111111112";
    private static final String CVV = "9731";
    private static final ListAppender<ILoggingEvent> LOG = new ListAppender<>();
    private static final List<String> ANSWERS = new ArrayList<>();

    @RegisterExtension
    static final Shop SHOP = Shop.of(PKI).withPaymentSettings(settings -> settings.put("logging.level", "INFO"));

    @BeforeAll
    static void chargeInEveryWay() throws Exception {
        LOG.start();
        ((Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME)).addAppender(LOG);
        String token = SHOP.token(61);
        charge(token, SHOP.placeOrder(token), card(NUMBER, 12, 2099), 201);
        charge(token, SHOP.placeOrder(token), card(BAD_NUMBER, 12, 2099), 422);
        charge(token, SHOP.placeOrder(token), card(NUMBER, 1, 2001), 422);
        charge(token, SHOP.placeOrder(token), Map.of("number", NUMBER, "cvv", CVV + "9", "expiration_month", 1,
                "expiration_year", 2099), 422);
        String orderAway = SHOP.placeOrder(token);
        SHOP.authAndOrder().stopOrder();
        try {
            charge(token, orderAway, card(NUMBER, 12, 2099), 503);
        } finally {
            SHOP.authAndOrder().startOrder();
        }
        assertThat(LOG.list).as("the log this test reads").isNotEmpty();
    }

    @Test
    void noLogLineHoldsTheNumberOrTheCvv() {
        assertThat(LOG.list).allSatisfy(event -> {
            String line = event.getFormattedMessage()
                    + (event.getThrowableProxy() == null ? "" : ThrowableProxyUtil.asString(event.getThrowableProxy()));
            assertThat(line).doesNotContain(NUMBER).doesNotContain(BAD_NUMBER).doesNotContain(CVV);
        });
        assertThat(LOG.list).extracting(ILoggingEvent::getFormattedMessage)
                .anySatisfy(line -> assertThat(line).contains("on the card ending 1111"));
    }

    @Test
    void noAnswerHoldsThem() {
        assertThat(ANSWERS).allSatisfy(answer -> assertThat(answer)
                .doesNotContain(NUMBER).doesNotContain(BAD_NUMBER).doesNotContain(CVV));
    }

    @Test
    void theDatabaseKeepsTheLastFourDigitsOnly() throws Exception {
        List<String> lastFours = SHOP.paymentDatabase().withHandle(h -> h.createQuery(
                "SELECT card_last_four FROM charges").mapTo(String.class).list());
        assertThat(lastFours).containsOnly("1111").isNotEmpty();
        try (Stream<Path> files = Files.list(SHOP.data())) {
            List<Path> payment = files.filter(f -> f.getFileName().toString().startsWith("payment.")).toList();
            assertThat(payment).as("payment's database files").isNotEmpty();
            for (Path file : payment) {
                String bytes = new String(Files.readAllBytes(file), StandardCharsets.ISO_8859_1);
                assertThat(bytes).as(file.toString()).doesNotContain(NUMBER).doesNotContain(BAD_NUMBER)
                        .doesNotContain(CVV);
            }
        }
    }

    private static void charge(String token, String orderId, Map<String, Object> card, int expected) {
        Reply reply = SHOP.charge(token, UUID.randomUUID().toString(), PaymentTestApp.aCharge(orderId, "19.99", card));
        assertThat(reply.status()).as(reply.toString()).isEqualTo(expected);
        ANSWERS.add(reply.body());
    }

    private static Map<String, Object> card(String number, int month, int year) {
        return Map.of("number", number, "cvv", CVV, "expiration_month", month, "expiration_year", year);
    }
}
