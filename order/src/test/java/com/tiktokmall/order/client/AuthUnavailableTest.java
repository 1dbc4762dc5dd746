package com.tiktokmall.order.client;

import com.tiktokmall.mtls.MtlsContext;
import com.tiktokmall.mtls.TrustBundle;
import com.tiktokmall.mtls.testing.MtlsTestClient;
import com.tiktokmall.mtls.testing.MtlsTestClient.Reply;
import com.tiktokmall.mtls.testing.TestCa;
import com.tiktokmall.mtls.testing.TestPki;
import com.tiktokmall.order.OrderConfiguration;
import com.tiktokmall.order.OrderTestApp;
import io.dropwizard.testing.DropwizardTestSupport;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** When auth cannot vouch for the user, order answers 503 and stores nothing. */
class AuthUnavailableTest {
    private static final TestPki PKI = TestPki.create();
    private static final Map<String, Object> ORDER = Map.of("currency", "EUR", "email", "a@example.com",
            "address", Map.of("street_address", "1 Rue", "city", "Paris", "state", "IDF", "country", "FR",
                    "zip_code", "75001"),
            "items", List.of(Map.of("product_id", 1, "quantity", 1, "cost", 5)));

    private static int authPort;
    private static Path data;
    private static DropwizardTestSupport<OrderConfiguration> order;
    private static MtlsTestClient gateway;

    @BeforeAll
    static void start() throws Exception {
        authPort = freePort();
        data = Files.createTempDirectory(PKI.dir(), "data");
        order = OrderTestApp.support(OrderTestApp.settings(PKI, data, "https://localhost:" + authPort));
        order.before();
        gateway = MtlsTestClient.as(PKI.issue("gateway"), PKI.ca());
    }

    @AfterAll
    static void stop() {
        order.after();
    }

    @Test
    void authDownIs503() {
        assertUnavailable(place());
    }

    @Test
    void authRefusingTheHandshakeIs503() throws IOException {
        TestCa impostorCa = TestCa.create("Impostor CA");
        MtlsContext impostor = MtlsContext.forServer(impostorCa.leaf("auth").issue().identity())
                .trust(TrustBundle.of(List.of(impostorCa.certificate())))
                .build();
        FakeAuth auth = FakeAuth.start(authPort, impostor, 200, "{\"valid\":true,\"user_id\":5}");
        try {
            assertUnavailable(place());
        } finally {
            auth.close();
        }
    }

    @Test
    void authAnswering5xxIs503() throws IOException {
        MtlsContext real = MtlsContext.forServer(PKI.issue("auth").identity())
                .trust(TrustBundle.of(List.of(PKI.ca().certificate())))
                .build();
        FakeAuth auth = FakeAuth.start(authPort, real, 500, "{\"code\":500}");
        try {
            assertUnavailable(place());
        } finally {
            auth.close();
        }
    }

    private static Reply place() {
        return gateway.post("https://localhost:" + order.getLocalPort() + "/v1/orders", ORDER,
                "Authorization", "Bearer some-token");
    }

    private static void assertUnavailable(Reply reply) {
        assertThat(reply.status()).isEqualTo(503);
        assertThat(reply.json().path("code").asInt()).isEqualTo(503);
        assertThat(reply.text("message")).contains("auth service is unavailable");
        assertThat(OrderTestApp.storedOrders(data)).isZero();
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }
}
