package com.tiktokmall.order.resources;

import com.tiktokmall.auth.AuthConfiguration;
import com.tiktokmall.auth.AuthTestApp;
import com.tiktokmall.mtls.testing.MtlsTestClient;
import com.tiktokmall.mtls.testing.MtlsTestClient.Reply;
import com.tiktokmall.mtls.testing.Ports;
import com.tiktokmall.mtls.testing.TestPki;
import com.tiktokmall.order.OrderConfiguration;
import com.tiktokmall.order.OrderTestApp;
import io.dropwizard.testing.junit5.DropwizardAppExtension;
import io.dropwizard.testing.junit5.DropwizardExtensionsSupport;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/** Every cell of order's access matrix, over real mTLS, with a certificate for each of the four identities. */
@ExtendWith(DropwizardExtensionsSupport.class)
class AccessMatrixTest {
    private static final TestPki PKI = TestPki.create();
    private static final List<String> IDENTITIES = List.of("auth", "order", "gateway", "payment");
    private static final Map<String, Object> AN_ORDER = Map.of("currency", "USD", "email", "m@example.com",
            "address", Map.of("street_address", "1 Main", "city", "X", "state", "Y", "country", "US", "zip_code", "1"),
            "items", List.of(Map.of("product_id", 1, "quantity", 1, "cost", 1)));

    private static final Path DATA = AuthTestApp.dataDir(PKI);
    /** Chosen in advance: the extensions start in no fixed order, and order must know where auth is. */
    private static final int AUTH_PORT = Ports.free();
    private static final DropwizardAppExtension<AuthConfiguration> AUTH =
            AuthTestApp.extension(AuthTestApp.settings(PKI, DATA, AUTH_PORT));
    private static final DropwizardAppExtension<OrderConfiguration> ORDER =
            OrderTestApp.extension(OrderTestApp.settings(PKI, DATA, "https://localhost:" + AUTH_PORT));
    private static MtlsTestClient gateway;
    private static String token;

    @BeforeAll
    static void issueCertificatesAndAToken() {
        IDENTITIES.forEach(PKI::issue);
        gateway = MtlsTestClient.as(PKI.issue("gateway"), PKI.ca());
        token = gateway.post("https://localhost:" + AUTH.getLocalPort() + "/v1/tokens", Map.of("user_id", 9)).text("token");
    }

    static Stream<Arguments> cells() {
        return Stream.of(
                new Object[] {"POST", "/v1/orders", OrderRoles.PLACE_ORDERS, List.of("gateway"), 201},
                new Object[] {"GET", "/v1/orders", OrderRoles.LIST_ORDERS, List.of("gateway"), 200},
                new Object[] {"POST", "/v1/orders/{order_id}/paid", OrderRoles.MARK_ORDERS_PAID, List.of("payment"), 200})
                .flatMap(e -> IDENTITIES.stream()
                        .map(id -> Arguments.of(e[0], e[1], e[2], id, ((List<?>) e[3]).contains(id), e[4])));
    }

    @ParameterizedTest(name = "{0} {1} by {3}: allowed={4}")
    @MethodSource("cells")
    void everyCellOfTheMatrix(String method, String path, String role, String identity, boolean allowed, int allowedStatus) {
        String concrete = path.replace("{order_id}", path.contains("{order_id}") ? pendingOrder() : "");
        MtlsTestClient caller = MtlsTestClient.as(PKI.issue(identity), PKI.ca());

        Reply reply = method.equals("GET")
                ? caller.get(url(concrete), "Authorization", "Bearer " + token)
                : concrete.endsWith("/paid") ? caller.post(url(concrete))
                : caller.post(url(concrete), AN_ORDER, "Authorization", "Bearer " + token);

        if (allowed) {
            assertThat(reply.status()).as(reply.toString()).isEqualTo(allowedStatus);
        } else {
            String id = "spiffe://tiktokmall.local/" + identity;
            assertThat(reply.status()).as(reply.toString()).isEqualTo(403);
            assertThat(reply.text("identity")).isEqualTo(id);
            assertThat(reply.text("missing_role")).isEqualTo(role);
            assertThat(reply.text("message")).isEqualTo(id + " may not call " + method + " " + concrete
                    + ": it lacks the role " + role);
        }
    }

    @Test
    void aCaSignedCertificateWithoutUriSanIsRefused() {
        Reply reply = MtlsTestClient.as(PKI.ca().leaf("payment").sans("DNS:payment", "DNS:localhost").issue(), PKI.ca())
                .post(url("/v1/orders/" + pendingOrder() + "/paid"));

        assertThat(reply.status()).isEqualTo(403);
        assertThat(reply.text("message")).startsWith("a caller without identity (certificate CN=payment has no spiffe://");
    }

    @Test
    void anIdentityOfAnotherTrustDomainIsRefused() {
        Reply reply = MtlsTestClient.as(PKI.ca().leaf("payment").sans("URI:spiffe://evil.local/payment").issue(), PKI.ca())
                .post(url("/v1/orders/" + pendingOrder() + "/paid"));

        assertThat(reply.status()).isEqualTo(403);
        assertThat(reply.json().has("identity")).isFalse();
    }

    private static String pendingOrder() {
        Reply placed = gateway.post(url("/v1/orders"), AN_ORDER, "Authorization", "Bearer " + token);
        assertThat(placed.status()).isEqualTo(201);
        return placed.text("order_id");
    }

    private static String url(String path) {
        return "https://localhost:" + ORDER.getLocalPort() + path;
    }
}
