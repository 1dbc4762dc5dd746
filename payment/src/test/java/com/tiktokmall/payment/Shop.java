package com.tiktokmall.payment;

import com.tiktokmall.auth.AuthTestApp;
import com.tiktokmall.mtls.testing.MtlsTestClient;
import com.tiktokmall.mtls.testing.MtlsTestClient.Reply;
import com.tiktokmall.mtls.testing.Ports;
import com.tiktokmall.mtls.testing.TestPki;
import com.tiktokmall.order.AuthAndOrder;
import com.tiktokmall.order.OrderTestApp;
import io.dropwizard.testing.DropwizardTestSupport;
import org.jdbi.v3.core.Jdbi;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

import java.nio.file.Path;
import java.time.Clock;
import java.util.Map;
import java.util.function.Consumer;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * auth, order and payment in one JVM, from their shipped configs, over real mutual TLS: auth and
 * order first ({@link AuthAndOrder}, order on a port of its own that survives a restart), then
 * payment pointed at both. A static {@code @RegisterExtension} field starts them before a class's
 * tests and stops them after.
 */
public final class Shop implements BeforeAllCallback, AfterAllCallback {
    private final TestPki pki;
    private final Path data;
    private int orderPort; // chosen when order first starts, kept across its restarts
    private final AuthAndOrder authAndOrder;
    private Consumer<Map<String, String>> paymentSettings = settings -> { };
    private DropwizardTestSupport<PaymentConfiguration> payment;
    private MtlsTestClient gateway;

    private Shop(TestPki pki) {
        this.pki = pki;
        this.data = AuthTestApp.dataDir(pki);
        this.authAndOrder = AuthAndOrder.of(pki, data).withOrderSettings(this::onOrdersPort);
    }

    public static Shop of(TestPki pki) {
        return new Shop(pki);
    }

    /** Changes payment's settings (those of {@link PaymentTestApp#settings}) before it starts. */
    public Shop withPaymentSettings(Consumer<Map<String, String>> change) {
        this.paymentSettings = change;
        return this;
    }

    /** Changes order's settings (those of {@link OrderTestApp#settings}) before it starts. */
    public Shop withOrderSettings(Consumer<Map<String, String>> change) {
        authAndOrder.withOrderSettings(settings -> {
            onOrdersPort(settings);
            change.accept(settings);
        });
        return this;
    }

    private void onOrdersPort(Map<String, String> settings) {
        if (orderPort == 0) {
            orderPort = Ports.free();
        }
        settings.put("server.applicationConnectors[0].port", Integer.toString(orderPort));
    }

    @Override
    public void beforeAll(ExtensionContext context) throws Exception {
        authAndOrder.start();
        Map<String, String> settings = PaymentTestApp.settings(pki, data, authAndOrder.authUrl(""), orderUrl(""));
        paymentSettings.accept(settings);
        payment = PaymentTestApp.support(settings, Clock.systemUTC());
        payment.before();
        gateway = MtlsTestClient.as(pki.issue("gateway"), pki.ca());
    }

    @Override
    public void afterAll(ExtensionContext context) {
        try {
            if (payment != null) {
                payment.after();
            }
        } finally {
            authAndOrder.stop();
        }
    }

    public AuthAndOrder authAndOrder() {
        return authAndOrder;
    }

    public DropwizardTestSupport<PaymentConfiguration> payment() {
        return payment;
    }

    /** {@code https://localhost:<payment's port><path>} */
    public String paymentUrl(String path) {
        return "https://localhost:" + payment.getLocalPort() + path;
    }

    /** {@code https://localhost:<order's port><path>}, the same across restarts of order. */
    public String orderUrl(String path) {
        return "https://localhost:" + orderPort + path;
    }

    public Path data() {
        return data;
    }

    /** The gateway, as the demo's curl: gateway's certificate. */
    public MtlsTestClient gateway() {
        return gateway;
    }

    /** A token of auth for {@code user}, asked as the gateway. */
    public String token(long user) {
        Reply reply = gateway.post(authAndOrder.authUrl("/v1/tokens"), Map.of("user_id", user));
        assertThat(reply.status()).as(reply.toString()).isEqualTo(201);
        return reply.text("token");
    }

    /** A pending order of the token's user, placed as the gateway; its id. */
    public String placeOrder(String token) {
        Reply reply = gateway.post(orderUrl("/v1/orders"), OrderTestApp.anOrder(), "Authorization", "Bearer " + token);
        assertThat(reply.status()).as(reply.toString()).isEqualTo(201);
        return reply.text("order_id");
    }

    /** The order as its user sees it at order: its status. */
    public String orderStatus(String token, String orderId) {
        Reply reply = gateway.get(orderUrl("/v1/orders"), "Authorization", "Bearer " + token);
        assertThat(reply.status()).as(reply.toString()).isEqualTo(200);
        for (var order : reply.json().path("orders")) {
            if (order.path("order_id").asText().equals(orderId)) {
                return order.path("status").asText();
            }
        }
        throw new AssertionError("order " + orderId + " is not among the user's orders: " + reply);
    }

    /** {@code POST /v1/charges} as the gateway. */
    public Reply charge(String token, String idempotencyKey, Map<String, Object> body) {
        return gateway.post(paymentUrl("/v1/charges"), body, "Authorization", "Bearer " + token,
                "Idempotency-Key", idempotencyKey);
    }

    /** payment's database, read directly. */
    public Jdbi paymentDatabase() {
        return PaymentTestApp.database(data);
    }

    /** How many charges payment's database holds for the order. */
    public int chargesOf(String orderId) {
        return paymentDatabase().withHandle(h -> h.createQuery("SELECT COUNT(*) FROM charges WHERE order_id = :id")
                .bind("id", orderId).mapTo(Integer.class).one());
    }
}
