package com.tiktokmall.order;

import com.tiktokmall.mtls.testing.TestPki;
import io.dropwizard.core.cli.ServerCommand;
import io.dropwizard.testing.DropwizardTestSupport;
import io.dropwizard.testing.junit5.DropwizardAppExtension;
import org.jdbi.v3.core.Jdbi;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/** order as the tests run it: the shipped config/order.yml, with test certificates and a private database. */
public final class OrderTestApp {
    /** System-property prefix of this service's overrides, distinct from the other service's. */
    static final String PREFIX = "order-test.";
    public static final String CONFIG = Path.of("../config/order.yml").toAbsolutePath().normalize().toString();

    private OrderTestApp() {
    }

    /** Settings for an order on random ports, calling auth at {@code authUrl}, storing in {@code dataDir}. */
    public static Map<String, String> settings(TestPki pki, Path dataDir, String authUrl) {
        Map<String, String> settings = pki.tlsSettings("order");
        settings.put("auth.url", authUrl);
        settings.put("database.url", databaseUrl(dataDir));
        settings.put("server.applicationConnectors[0].port", "0");
        settings.put("server.adminConnectors[0].port", "0");
        settings.put("probes.port", "0"); // the shipped port may be taken; common's tests cover probes
        settings.put("logging.level", "WARN");
        return settings;
    }

    /** order for a test class: started before its tests, stopped after them. */
    public static DropwizardAppExtension<OrderConfiguration> extension(Map<String, String> settings) {
        return new DropwizardAppExtension<>(OrderApplication.class, CONFIG, PREFIX, ServerCommand::new,
                TestPki.overrides(PREFIX, settings));
    }

    /** order for tests that stop and start it themselves. */
    public static DropwizardTestSupport<OrderConfiguration> support(Map<String, String> settings) {
        return new DropwizardTestSupport<>(OrderApplication.class, CONFIG, PREFIX, ServerCommand::new,
                TestPki.overrides(PREFIX, settings));
    }

    /**
     * One of several order replicas in this JVM: each needs a system-property prefix of its own, or
     * the settings of one would be read by the other.
     */
    public static DropwizardTestSupport<OrderConfiguration> replica(int number, Map<String, String> settings) {
        String prefix = "order-test-" + number + ".";
        return new DropwizardTestSupport<>(OrderApplication.class, CONFIG, prefix, ServerCommand::new,
                TestPki.overrides(prefix, settings));
    }

    /** The body of a valid order. */
    public static Map<String, Object> anOrder() {
        return Map.of("currency", "USD", "email", "buyer@example.com",
                "address", Map.of("street_address", "1 Market St", "city", "San Francisco", "state", "CA",
                        "country", "US", "zip_code", "94105"),
                "items", List.of(Map.of("product_id", 7, "quantity", 2, "cost", 19.99)));
    }

    /** How many orders the database holds, read directly: proof that nothing was stored. */
    public static int storedOrders(Path dataDir) {
        return Jdbi.create(databaseUrl(dataDir), "sa", "")
                .withHandle(h -> h.createQuery("SELECT COUNT(*) FROM orders").mapTo(Integer.class).one());
    }

    private static String databaseUrl(Path dataDir) {
        return "jdbc:h2:" + dataDir.resolve("order").toAbsolutePath() + ";DB_CLOSE_ON_EXIT=FALSE";
    }
}
