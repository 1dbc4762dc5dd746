package com.tiktokmall.order;

import com.tiktokmall.auth.AuthConfiguration;
import com.tiktokmall.auth.AuthTestApp;
import com.tiktokmall.mtls.testing.TestPki;
import io.dropwizard.testing.DropwizardTestSupport;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

import java.nio.file.Path;
import java.util.Map;
import java.util.function.Consumer;

/**
 * auth and order started together, order calling auth over mutual TLS: auth first, so that order
 * is given the port auth really got. Each service has its own system-property prefix, so their
 * settings do not mix.
 *
 * <pre>{@code
 * static final TestPki PKI = TestPki.create();
 * @RegisterExtension
 * static final AuthAndOrder APPS = AuthAndOrder.of(PKI);
 * ... APPS.orderUrl("/v1/orders") ...
 * }</pre>
 *
 * <p>As a JUnit extension on a static field it starts before the class's tests and stops after
 * them; {@link #start()} and {@link #stop()} do the same by hand.
 */
public final class AuthAndOrder implements BeforeAllCallback, AfterAllCallback {
    private final TestPki pki;
    private final Path data;
    private Consumer<Map<String, String>> authSettings = settings -> { };
    private Consumer<Map<String, String>> orderSettings = settings -> { };
    private DropwizardTestSupport<AuthConfiguration> auth;
    private DropwizardTestSupport<OrderConfiguration> order;
    private Map<String, String> orderStartedWith;

    private AuthAndOrder(TestPki pki, Path data) {
        this.pki = pki;
        this.data = data;
    }

    /** Both services with the certificates of {@code pki}, each storing in its own H2 database. */
    public static AuthAndOrder of(TestPki pki) {
        return new AuthAndOrder(pki, AuthTestApp.dataDir(pki));
    }

    /** As {@link #of(TestPki)}, the H2 databases in {@code data}, which the services create if it is missing. */
    public static AuthAndOrder of(TestPki pki, Path data) {
        return new AuthAndOrder(pki, data);
    }

    /** Changes auth's settings (those of {@link AuthTestApp#settings}) before it starts. */
    public AuthAndOrder withAuthSettings(Consumer<Map<String, String>> change) {
        this.authSettings = change;
        return this;
    }

    /** Changes order's settings (those of {@link OrderTestApp#settings}) before it starts. */
    public AuthAndOrder withOrderSettings(Consumer<Map<String, String>> change) {
        this.orderSettings = change;
        return this;
    }

    @Override
    public void beforeAll(ExtensionContext context) throws Exception {
        start();
    }

    @Override
    public void afterAll(ExtensionContext context) {
        stop();
    }

    /** Starts auth, then order pointed at it. */
    public void start() throws Exception {
        Map<String, String> settings = AuthTestApp.settings(pki, data);
        authSettings.accept(settings);
        auth = AuthTestApp.support(settings);
        auth.before();
        orderStartedWith = OrderTestApp.settings(pki, data, "https://localhost:" + auth.getLocalPort());
        orderSettings.accept(orderStartedWith);
        order = OrderTestApp.support(orderStartedWith);
        order.before();
    }

    /** Stops order, then auth; either may not have started. */
    public void stop() {
        try {
            if (order != null) {
                order.after();
            }
        } finally {
            if (auth != null) {
                auth.after();
            }
        }
    }

    /** Stops order and starts it again with the same settings and database, auth staying up. */
    public void restartOrder() throws Exception {
        stopOrder();
        startOrder();
    }

    /** Stops order, auth staying up; {@link #startOrder()} brings it back. */
    public void stopOrder() {
        order.after();
    }

    /** Starts order again after {@link #stopOrder()}, with the same settings and database. */
    public void startOrder() throws Exception {
        order = OrderTestApp.support(orderStartedWith);
        order.before();
    }

    public DropwizardTestSupport<AuthConfiguration> auth() {
        return auth;
    }

    public DropwizardTestSupport<OrderConfiguration> order() {
        return order;
    }

    /** {@code https://localhost:<auth's port><path>} */
    public String authUrl(String path) {
        return "https://localhost:" + auth.getLocalPort() + path;
    }

    /** {@code https://localhost:<order's port><path>} */
    public String orderUrl(String path) {
        return "https://localhost:" + order.getLocalPort() + path;
    }

    /** How many orders order's database holds, read directly. */
    public int storedOrders() {
        return OrderTestApp.storedOrders(data);
    }
}
