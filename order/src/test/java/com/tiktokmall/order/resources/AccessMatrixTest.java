package com.tiktokmall.order.resources;

import com.tiktokmall.mtls.testing.MtlsTestClient.Reply;
import com.tiktokmall.mtls.testing.MtlsTestClient;
import com.tiktokmall.mtls.testing.TestPki;
import com.tiktokmall.order.AuthAndOrder;
import com.tiktokmall.order.OrderFixture;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/** Every cell of order's access matrix, over real mTLS, with a certificate for each of the four identities. */
class AccessMatrixTest {
    private static final TestPki PKI = TestPki.create();
    private static final List<String> IDENTITIES = List.of("auth", "order", "gateway", "payment");
    private static final Map<String, Object> AN_ORDER = OrderFixture.order();

    @RegisterExtension
    static final AuthAndOrder APPS = AuthAndOrder.of(PKI);

    private static MtlsTestClient gateway;
    private static String token;

    @BeforeAll
    static void issueCertificatesAndAToken() {
        IDENTITIES.forEach(PKI::issue);
        gateway = MtlsTestClient.as(PKI.issue("gateway"), PKI.ca());
        token = gateway.post(APPS.authUrl("/v1/tokens"), Map.of("user_id", 9)).text("token");
    }

    static Stream<Arguments> cells() {
        return Stream.of(
                new Object[] {"POST", "/v1/orders", OrderRoles.PLACE_ORDERS, List.of("gateway"), 201},
                new Object[] {"GET", "/v1/orders", OrderRoles.LIST_ORDERS, List.of("gateway"), 200},
                new Object[] {"GET", "/v1/orders/{order_id}", OrderRoles.READ_ORDERS, List.of("payment"), 200},
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

    private static String pendingOrder() {
        Reply placed = gateway.post(url("/v1/orders"), AN_ORDER, "Authorization", "Bearer " + token);
        assertThat(placed.status()).isEqualTo(201);
        return placed.text("order_id");
    }

    private static String url(String path) {
        return APPS.orderUrl(path);
    }
}
