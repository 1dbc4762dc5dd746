package com.tiktokmall.payment;

import com.tiktokmall.mtls.testing.TestPki;
import io.dropwizard.core.Application;
import io.dropwizard.core.cli.ServerCommand;
import io.dropwizard.testing.DropwizardTestSupport;
import org.jdbi.v3.core.Jdbi;

import java.nio.file.Path;
import java.time.Clock;
import java.util.Map;

/** payment as the tests run it: the shipped config/payment.yml, with test certificates and a private database. */
public final class PaymentTestApp {
    static final String PREFIX = "payment-test.";
    public static final String CONFIG = Path.of("../config/payment.yml").toAbsolutePath().normalize().toString();

    private PaymentTestApp() {
    }

    /** Settings for a payment on random ports, calling auth and order at their URLs, storing in {@code dataDir}. */
    public static Map<String, String> settings(TestPki pki, Path dataDir, String authUrl, String orderUrl) {
        Map<String, String> settings = pki.tlsSettings("payment");
        settings.put("auth.url", authUrl);
        settings.put("order.url", orderUrl);
        settings.put("database.url", databaseUrl(dataDir));
        settings.put("server.applicationConnectors[0].port", "0");
        settings.put("server.adminConnectors[0].port", "0");
        settings.put("probes.port", "0");
        settings.put("logging.level", "WARN");
        return settings;
    }

    /** payment for tests that stop and start it themselves, its time told by {@code clock}. */
    public static DropwizardTestSupport<PaymentConfiguration> support(Map<String, String> settings, Clock clock) {
        return new DropwizardTestSupport<>(PaymentApplication.class, CONFIG, PREFIX, ServerCommand::new,
                TestPki.overrides(PREFIX, settings)) {
            @Override
            public Application<PaymentConfiguration> newApplication() {
                return new PaymentApplication(clock);
            }
        };
    }

    /** The body of a charge of {@code amount} for {@code orderId} with a card that passes every check. */
    public static Map<String, Object> aCharge(String orderId, String amount) {
        return aCharge(orderId, amount, Map.of("number", "4242424242424242", "cvv", "123",
                "expiration_month", 12, "expiration_year", 2099));
    }

    public static Map<String, Object> aCharge(String orderId, String amount, Map<String, Object> card) {
        return Map.of("order_id", orderId, "amount", new java.math.BigDecimal(amount), "credit_card", card);
    }

    /** payment's database, read directly. */
    public static Jdbi database(Path dataDir) {
        return Jdbi.create(databaseUrl(dataDir), "sa", "");
    }

    static String databaseUrl(Path dataDir) {
        return "jdbc:h2:" + dataDir.resolve("payment").toAbsolutePath() + ";DB_CLOSE_ON_EXIT=FALSE";
    }
}
