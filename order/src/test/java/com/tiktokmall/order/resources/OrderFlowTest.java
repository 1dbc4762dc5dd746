package com.tiktokmall.order.resources;

import com.tiktokmall.auth.AuthTestApp;
import com.tiktokmall.mtls.testing.MtlsTestClient.Reply;
import com.tiktokmall.mtls.testing.MtlsTestClient;
import com.tiktokmall.mtls.testing.TestPki;
import com.tiktokmall.order.AuthAndOrder;
import com.tiktokmall.order.OrderFixture;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;

/** auth and order in one JVM, from their shipped configs, talking real mutual TLS. */
class OrderFlowTest {
    private static final TestPki PKI = TestPki.create();
    private static final AtomicLong USERS = new AtomicLong(1000);

    @RegisterExtension
    static final AuthAndOrder APPS = AuthAndOrder.of(PKI);

    private static MtlsTestClient gateway;
    private static MtlsTestClient payment;

    @BeforeAll
    static void issueCallerCertificates() {
        gateway = MtlsTestClient.as(PKI.issue("gateway"), PKI.ca());
        payment = MtlsTestClient.as(PKI.issue("payment"), PKI.ca());
    }

    @Test
    void tokenThenPlaceThenListThenPaid() {
        long user = USERS.incrementAndGet();
        String token = token(user);

        Reply placed = place(token, validOrder());
        assertThat(placed.status()).isEqualTo(201);
        assertThat(placed.json().path("user_id").asLong()).isEqualTo(user);
        assertThat(placed.text("status")).isEqualTo("PENDING");
        assertThat(placed.json().path("items").get(0).path("cost").decimalValue()).isEqualByComparingTo("19.99");
        String orderId = placed.text("order_id");

        Reply listed = gateway.get(orders(), "Authorization", "Bearer " + token);
        assertThat(listed.status()).isEqualTo(200);
        assertThat(listed.json().path("orders").findValuesAsText("order_id")).containsExactly(orderId);

        Reply paid = payment.post(orders() + "/" + orderId + "/paid");
        assertThat(paid.status()).isEqualTo(200);
        assertThat(paid.text("status")).isEqualTo("PAID");
        assertThat(gateway.get(orders(), "Authorization", "Bearer " + token).json().path("orders").get(0)
                .path("status").asText()).isEqualTo("PAID");
    }

    @Test
    void aUserIdInTheBodyIsIgnoredTheTokenDecides() {
        long user = USERS.incrementAndGet();

        Reply placed = place(token(user), with("user_id", 1));

        assertThat(placed.status()).isEqualTo(201);
        assertThat(placed.json().path("user_id").asLong()).isEqualTo(user);
    }

    @Test
    void ordersOfOneUserAreNotListedForAnother() {
        String alice = token(USERS.incrementAndGet());
        String bob = token(USERS.incrementAndGet());
        String aliceOrder = place(alice, validOrder()).text("order_id");

        assertThat(gateway.get(orders(), "Authorization", "Bearer " + bob).json().path("orders")).isEmpty();
        assertThat(gateway.get(orders(), "Authorization", "Bearer " + alice).json().path("orders")
                .findValuesAsText("order_id")).containsExactly(aliceOrder);
    }

    @Test
    void missingMalformedExpiredAndRevokedTokensAre401() {
        long user = USERS.incrementAndGet();
        String expired = AuthTestApp.mintToken(PKI, user, Instant.now().minus(Duration.ofHours(2)),
                Instant.now().minus(Duration.ofHours(1)));
        String revoked = token(user);
        assertThat(gateway.post(authUrl("/v1/tokens/revoke"), Map.of("token", revoked)).status()).isEqualTo(204);
        int before = APPS.storedOrders();

        assertThat(gateway.post(orders(), validOrder()).status()).isEqualTo(401);
        assertThat(gateway.post(orders(), validOrder(), "Authorization", "Basic Zm9vOmJhcg==").status()).isEqualTo(401);
        for (String token : List.of("not-a-jwt", expired, revoked)) {
            Reply refused = place(token, validOrder());
            assertThat(refused.status()).as(token).isEqualTo(401);
            assertThat(refused.json().path("code").asInt()).isEqualTo(401);
            assertThat(refused.response().headers().firstValue("WWW-Authenticate")).contains("Bearer");
        }
        assertThat(gateway.get(orders()).status()).isEqualTo(401);
        assertThat(APPS.storedOrders()).isEqualTo(before);
    }

    @Test
    void invalidOrdersAreRefusedAndNothingIsStored() {
        String token = token(USERS.incrementAndGet());
        int before = APPS.storedOrders();

        assertThat(gateway.post(orders(), "{\"currency\": ", "Authorization", "Bearer " + token).status()).isEqualTo(400);
        assertThat(place(token, Map.of()).status()).isEqualTo(422);
        assertThat(place(token, withItem(Map.of("product_id", 7, "quantity", 0, "cost", 1))).status()).isEqualTo(422);
        assertThat(place(token, withItem(Map.of("product_id", 7, "quantity", 1, "cost", -1))).status()).isEqualTo(422);
        assertThat(place(token, with("currency", "usd")).status()).isEqualTo(422);
        assertThat(place(token, with("currency", "DOLLARS")).status()).isEqualTo(422);
        assertThat(place(token, with("email", "not-an-email")).status()).isEqualTo(422);
        assertThat(place(token, with("items", List.of())).status()).isEqualTo(422);
        Reply missingCity = place(token, with("address", Map.of("street_address", "1 Main", "state", "CA",
                "country", "US", "zip_code", "94105")));
        assertThat(missingCity.status()).isEqualTo(422);
        assertThat(missingCity.json().path("errors").toString()).contains("city");

        assertThat(APPS.storedOrders()).isEqualTo(before);
        assertThat(gateway.get(orders(), "Authorization", "Bearer " + token).json().path("orders")).isEmpty();
    }

    @Test
    void markingPaidAnUnknownOrderIs404AndAPaidOneIs409() {
        String orderId = place(token(USERS.incrementAndGet()), validOrder()).text("order_id");

        assertThat(payment.post(orders() + "/no-such-order/paid").status()).isEqualTo(404);
        assertThat(payment.post(orders() + "/" + orderId + "/paid").status()).isEqualTo(200);
        Reply again = payment.post(orders() + "/" + orderId + "/paid");
        assertThat(again.status()).isEqualTo(409);
        assertThat(again.text("message")).contains("PAID");
    }

    static String token(long user) {
        Reply issued = gateway.post(authUrl("/v1/tokens"), Map.of("user_id", user));
        assertThat(issued.status()).isEqualTo(201);
        return issued.text("token");
    }

    static Reply place(String token, Object body) {
        return gateway.post(orders(), body, "Authorization", "Bearer " + token);
    }

    static Map<String, Object> validOrder() {
        return OrderFixture.order();
    }

    static Map<String, Object> with(String field, Object value) {
        return OrderFixture.with(field, value);
    }

    static Map<String, Object> withItem(Map<String, Object> item) {
        return with("items", List.of(item));
    }

    static String orders() {
        return APPS.orderUrl("/v1/orders");
    }

    static String authUrl(String path) {
        return APPS.authUrl(path);
    }

}
