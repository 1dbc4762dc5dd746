package com.tiktokmall.order.postgres;

import com.tiktokmall.auth.AuthConfiguration;
import com.tiktokmall.auth.AuthTestApp;
import com.tiktokmall.mtls.testing.MtlsTestClient;
import com.tiktokmall.mtls.testing.MtlsTestClient.Reply;
import com.tiktokmall.mtls.testing.PostgresServer;
import com.tiktokmall.mtls.testing.TestCert;
import com.tiktokmall.mtls.testing.TestPki;
import com.tiktokmall.order.OrderConfiguration;
import com.tiktokmall.order.OrderTestApp;
import io.dropwizard.testing.DropwizardTestSupport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.math.BigInteger;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * order's certificate is renewed while orders keep coming: its new database connections present
 * the new certificate, those made with the old one are retired, and not one request fails.
 */
class DatabaseRotationTest {
    private static final TestPki PKI = TestPki.create();
    @RegisterExtension
    static final PostgresServer POSTGRES = PostgresServer.trusting(PKI);

    @Test
    void ordersNewCertificateIsPresentedToTheDatabaseWithoutAFailedRequest() throws Exception {
        Path data = AuthTestApp.dataDir(PKI);
        Map<String, String> authSettings = AuthTestApp.settings(PKI, data);
        authSettings.putAll(POSTGRES.databaseSettings("auth"));
        DropwizardTestSupport<AuthConfiguration> auth = AuthTestApp.support(authSettings);
        auth.before();
        TestCert before = PKI.issue("order");
        Map<String, String> orderSettings = OrderTestApp.settings(PKI, data, "https://localhost:" + auth.getLocalPort());
        orderSettings.putAll(POSTGRES.databaseSettings("order"));
        orderSettings.put("tls.reload_interval", "1s");
        DropwizardTestSupport<OrderConfiguration> order = OrderTestApp.support(orderSettings);
        order.before();
        MtlsTestClient gateway = MtlsTestClient.as(PKI.issue("gateway"), PKI.ca());
        String token = gateway.post("https://localhost:" + auth.getLocalPort() + "/v1/tokens", Map.of("user_id", 9))
                .text("token");
        Orders orders = new Orders(gateway, "https://localhost:" + order.getLocalPort() + "/v1/orders", token);
        try {
            orders.start();
            await().atMost(10, TimeUnit.SECONDS).until(() -> orders.placed.get() > 20);
            assertThat(sessionSerials()).containsOnly(before.certificate().getSerialNumber());

            TestCert after = PKI.issue("order");
            await().atMost(10, TimeUnit.SECONDS).until(() -> {
                List<BigInteger> serials = sessionSerials();
                return !serials.isEmpty() && serials.stream().allMatch(after.certificate().getSerialNumber()::equals);
            });
            int placedAfterRotation = orders.placed.get();
            await().atMost(10, TimeUnit.SECONDS).until(() -> orders.placed.get() > placedAfterRotation + 20);
        } finally {
            orders.stop();
            order.after();
            auth.after();
        }

        assertThat(orders.failures).isEmpty();
    }

    /** The serials of the certificates of order's database sessions (the observer's own left out). */
    private static List<BigInteger> sessionSerials() throws SQLException {
        try (Connection observer = POSTGRES.connect("order", "order", PKI.ca().leaf("order").issue());
             Statement statement = observer.createStatement();
             ResultSet rows = statement.executeQuery("SELECT s.client_serial FROM pg_stat_ssl s JOIN pg_stat_activity a"
                     + " USING (pid) WHERE a.usename = 'order' AND s.pid <> pg_backend_pid()")) {
            List<BigInteger> serials = new ArrayList<>();
            while (rows.next()) {
                serials.add(rows.getBigDecimal(1).toBigIntegerExact());
            }
            return serials;
        }
    }

    /** Places orders back to back, recording every call that does not succeed. */
    private static final class Orders {
        private final MtlsTestClient client;
        private final String url;
        private final String token;
        private final AtomicBoolean running = new AtomicBoolean(true);
        private final AtomicInteger placed = new AtomicInteger();
        private final ConcurrentLinkedQueue<String> failures = new ConcurrentLinkedQueue<>();
        private final Thread thread = new Thread(this::run, "orders");

        Orders(MtlsTestClient client, String url, String token) {
            this.client = client;
            this.url = url;
            this.token = token;
        }

        void start() {
            thread.start();
        }

        void stop() throws InterruptedException {
            running.set(false);
            thread.join(30_000);
        }

        private void run() {
            while (running.get()) {
                try {
                    Reply reply = client.post(url, OrderTestApp.anOrder(), "Authorization", "Bearer " + token);
                    if (reply.status() == 201) {
                        placed.incrementAndGet();
                    } else {
                        failures.add(reply.toString());
                    }
                } catch (RuntimeException e) {
                    failures.add(e.toString());
                }
            }
        }
    }
}
