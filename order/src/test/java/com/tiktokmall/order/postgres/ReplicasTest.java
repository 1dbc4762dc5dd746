package com.tiktokmall.order.postgres;

import com.tiktokmall.auth.AuthConfiguration;
import com.tiktokmall.auth.AuthTestApp;
import com.tiktokmall.mtls.testing.MtlsTestClient;
import com.tiktokmall.mtls.testing.MtlsTestClient.Reply;
import com.tiktokmall.mtls.testing.PostgresServer;
import com.tiktokmall.mtls.testing.TestPki;
import com.tiktokmall.order.OrderConfiguration;
import com.tiktokmall.order.OrderTestApp;
import io.dropwizard.testing.DropwizardTestSupport;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Two auth and two order replicas on one PostgreSQL, each logging in with its own certificate:
 * whatever one replica does, the other sees; order #1 calls auth #1, order #2 calls auth #2.
 */
class ReplicasTest {
    private static final TestPki PKI = TestPki.create();
    @RegisterExtension
    static final PostgresServer POSTGRES = PostgresServer.trusting(PKI);
    private static final AtomicLong USERS = new AtomicLong(5000);
    private static final List<DropwizardTestSupport<?>> RUNNING = new ArrayList<>();

    private static DropwizardTestSupport<AuthConfiguration> auth1;
    private static DropwizardTestSupport<AuthConfiguration> auth2;
    private static DropwizardTestSupport<OrderConfiguration> order1;
    private static DropwizardTestSupport<OrderConfiguration> order2;
    private static MtlsTestClient gateway;
    private static MtlsTestClient payment;

    @BeforeAll
    static void startTwoReplicasOfEach() throws Exception {
        Path data = AuthTestApp.dataDir(PKI);
        auth1 = start(AuthTestApp.replica(1, authSettings(data)));
        auth2 = start(AuthTestApp.replica(2, authSettings(data)));
        order1 = start(OrderTestApp.replica(1, orderSettings(data, auth1)));
        order2 = start(OrderTestApp.replica(2, orderSettings(data, auth2)));
        gateway = MtlsTestClient.as(PKI.issue("gateway"), PKI.ca());
        payment = MtlsTestClient.as(PKI.issue("payment"), PKI.ca());
    }

    @AfterAll
    static void stopThem() {
        RUNNING.forEach(DropwizardTestSupport::after);
    }

    @Test
    void aTokenIssuedByOneAuthVerifiesAtTheOtherAndOnceRevokedThroughOneIsRefusedThroughTheOther() {
        String token = token(auth1, USERS.incrementAndGet());
        assertThat(verify(auth2, token).json().path("valid").asBoolean()).isTrue();
        assertThat(place(order2, token).status()).isEqualTo(201);

        assertThat(gateway.post(url(auth1, "/v1/tokens/revoke"), Map.of("token", token)).status()).isEqualTo(204);

        Reply refused = verify(auth2, token);
        assertThat(refused.json().path("valid").asBoolean()).isFalse();
        assertThat(refused.text("reason")).isEqualTo("revoked");
        assertThat(place(order2, token).status()).isEqualTo(401);
    }

    @Test
    void anOrderPlacedThroughOneOrderIsListedAndPaidThroughTheOther() {
        String token = token(auth2, USERS.incrementAndGet());
        String orderId = place(order1, token).text("order_id");

        assertThat(list(order2, token).json().path("orders").findValuesAsText("order_id")).containsExactly(orderId);
        Reply paid = payment.post(url(order2, "/v1/orders/" + orderId + "/paid"));
        assertThat(paid.status()).isEqualTo(200);
        assertThat(paid.text("status")).isEqualTo("PAID");
        assertThat(list(order1, token).json().path("orders").get(0).path("status").asText()).isEqualTo("PAID");
        assertThat(payment.post(url(order1, "/v1/orders/" + orderId + "/paid")).status()).isEqualTo(409);
    }

    @Test
    void twoReplicasMarkingOneOrderPaidAtTheSameMomentGiveOne200AndOne409() throws Exception {
        String token = token(auth1, USERS.incrementAndGet());
        MtlsTestClient payment2 = MtlsTestClient.as(PKI.issue("payment"), PKI.ca());
        ExecutorService threads = Executors.newFixedThreadPool(2);
        try {
            for (int round = 0; round < 20; round++) {
                String orderId = place(order1, token).text("order_id");
                CyclicBarrier together = new CyclicBarrier(2);
                CompletableFuture<Integer> first = CompletableFuture.supplyAsync(
                        () -> markPaid(payment, order1, orderId, together), threads);
                CompletableFuture<Integer> second = CompletableFuture.supplyAsync(
                        () -> markPaid(payment2, order2, orderId, together), threads);

                assertThat(List.of(first.get(30, TimeUnit.SECONDS), second.get(30, TimeUnit.SECONDS)))
                        .as("round %d, order %s", round, orderId).containsExactlyInAnyOrder(200, 409);
            }
        } finally {
            threads.shutdownNow();
        }
    }

    private static int markPaid(MtlsTestClient client, DropwizardTestSupport<?> order, String orderId,
                                CyclicBarrier together) {
        try {
            together.await(10, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
        return client.post(url(order, "/v1/orders/" + orderId + "/paid")).status();
    }

    private static Map<String, String> authSettings(Path data) {
        Map<String, String> settings = AuthTestApp.settings(PKI, data);
        settings.putAll(POSTGRES.databaseSettings("auth"));
        return settings;
    }

    private static Map<String, String> orderSettings(Path data, DropwizardTestSupport<?> auth) {
        Map<String, String> settings = OrderTestApp.settings(PKI, data, "https://localhost:" + auth.getLocalPort());
        settings.putAll(POSTGRES.databaseSettings("order"));
        return settings;
    }

    private static <C extends io.dropwizard.core.Configuration> DropwizardTestSupport<C> start(
            DropwizardTestSupport<C> app) throws Exception {
        app.before();
        RUNNING.add(0, app);
        return app;
    }

    private static String token(DropwizardTestSupport<?> auth, long user) {
        Reply issued = gateway.post(url(auth, "/v1/tokens"), Map.of("user_id", user));
        assertThat(issued.status()).isEqualTo(201);
        return issued.text("token");
    }

    private static Reply verify(DropwizardTestSupport<?> auth, String token) {
        return gateway.post(url(auth, "/v1/tokens/verify"), Map.of("token", token));
    }

    private static Reply place(DropwizardTestSupport<?> order, String token) {
        return gateway.post(url(order, "/v1/orders"), OrderTestApp.anOrder(), "Authorization", "Bearer " + token);
    }

    private static Reply list(DropwizardTestSupport<?> order, String token) {
        return gateway.get(url(order, "/v1/orders"), "Authorization", "Bearer " + token);
    }

    private static String url(DropwizardTestSupport<?> app, String path) {
        return "https://localhost:" + app.getLocalPort() + path;
    }
}
