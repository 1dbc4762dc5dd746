package com.tiktokmall.order.client;

import com.tiktokmall.auth.AuthTestApp;
import com.tiktokmall.mtls.MtlsContext;
import com.tiktokmall.mtls.TrustBundle;
import com.tiktokmall.mtls.testing.MtlsTestClient.Reply;
import com.tiktokmall.mtls.testing.FakeService;
import com.tiktokmall.mtls.testing.MtlsTestClient;
import com.tiktokmall.mtls.testing.Ports;
import com.tiktokmall.mtls.testing.TestCa;
import com.tiktokmall.mtls.testing.TestPki;
import com.tiktokmall.order.OrderConfiguration;
import com.tiktokmall.order.OrderFixture;
import com.tiktokmall.order.OrderTestApp;
import io.dropwizard.testing.junit5.DropwizardAppExtension;
import io.dropwizard.testing.junit5.DropwizardExtensionsSupport;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** When auth cannot vouch for the user, order answers 503 and stores nothing. */
@ExtendWith(DropwizardExtensionsSupport.class)
class AuthUnavailableTest {
    private static final TestPki PKI = TestPki.create();
    private static final Map<String, Object> AN_ORDER = OrderFixture.order();

    private static final int AUTH_PORT = Ports.free();
    private static final Path DATA = AuthTestApp.dataDir(PKI);
    private static final DropwizardAppExtension<OrderConfiguration> ORDER =
            OrderTestApp.extension(OrderTestApp.settings(PKI, DATA, "https://localhost:" + AUTH_PORT));
    private static MtlsTestClient gateway;

    @BeforeAll
    static void issueGatewayCertificate() {
        gateway = MtlsTestClient.as(PKI.issue("gateway"), PKI.ca());
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
        FakeService auth = FakeService.start(AUTH_PORT, impostor, 200, "{\"valid\":true,\"user_id\":5}");
        try {
            assertUnavailable(place());
            assertThat(auth.received()).as("requests, and so bearer tokens, that reached a server of another CA").isEmpty();
        } finally {
            auth.close();
        }
    }

    @Test
    void authAnswering5xxIs503() throws IOException {
        MtlsContext real = MtlsContext.forServer(PKI.issue("auth").identity())
                .trust(TrustBundle.of(List.of(PKI.ca().certificate())))
                .build();
        FakeService auth = FakeService.start(AUTH_PORT, real, 500, "{\"code\":500}");
        try {
            assertUnavailable(place());
            assertThat(auth.received()).as("what order asked auth, once (no retries), as itself").containsExactly(
                    new FakeService.Received("POST", "/v1/tokens/verify", "{\"token\":\"some-token\"}",
                            List.of("spiffe://tiktokmall.local/order")));
        } finally {
            auth.close();
        }
    }

    private static Reply place() {
        return gateway.post("https://localhost:" + ORDER.getLocalPort() + "/v1/orders", AN_ORDER,
                "Authorization", "Bearer some-token");
    }

    private static void assertUnavailable(Reply reply) {
        assertThat(reply.status()).isEqualTo(503);
        assertThat(reply.json().path("code").asInt()).isEqualTo(503);
        assertThat(reply.text("message")).contains("auth service is unavailable");
        assertThat(OrderTestApp.storedOrders(DATA)).isZero();
    }

}
