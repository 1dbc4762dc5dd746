package com.tiktokmall.order.client;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import com.tiktokmall.auth.AuthTestApp;
import com.tiktokmall.mtls.MtlsContext;
import com.tiktokmall.mtls.TrustBundle;
import com.tiktokmall.mtls.testing.MtlsTestClient.Reply;
import com.tiktokmall.mtls.testing.FakeService;
import com.tiktokmall.mtls.testing.MtlsTestClient;
import com.tiktokmall.mtls.testing.Ports;
import com.tiktokmall.mtls.testing.TestCert;
import com.tiktokmall.mtls.testing.TestPki;
import com.tiktokmall.authclient.AuthClient;
import com.tiktokmall.order.OrderConfiguration;
import com.tiktokmall.order.OrderFixture;
import com.tiktokmall.order.OrderTestApp;
import io.dropwizard.testing.junit5.DropwizardAppExtension;
import io.dropwizard.testing.junit5.DropwizardExtensionsSupport;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * order sends a user's bearer token only to the server that proves it is auth: a server with any
 * other certificate of the same CA is refused during the handshake, before a byte of the request.
 */
@ExtendWith(DropwizardExtensionsSupport.class)
class AuthIdentityTest {
    private static final TestPki PKI = TestPki.create();
    private static final String VALID = "{\"valid\":true,\"user_id\":5}";

    private static final int AUTH_PORT = Ports.free();
    private static final Path DATA = AuthTestApp.dataDir(PKI);
    private static final DropwizardAppExtension<OrderConfiguration> ORDER =
            OrderTestApp.extension(OrderTestApp.settings(PKI, DATA, "https://localhost:" + AUTH_PORT));
    private static final ListAppender<ILoggingEvent> WARNINGS = new ListAppender<>();
    private static MtlsTestClient gateway;

    @BeforeAll
    static void setUp() {
        gateway = MtlsTestClient.as(PKI.issue("gateway"), PKI.ca());
        WARNINGS.start();
        ((Logger) LoggerFactory.getLogger(AuthClient.class)).addAppender(WARNINGS);
    }

    @AfterAll
    static void tearDown() {
        ((Logger) LoggerFactory.getLogger(AuthClient.class)).detachAppender(WARNINGS);
    }

    @Test
    void aServerOfOurCaPresentingPaymentsIdentityAtAuthsAddressGetsNoRequestAndNothingIsStored() throws IOException {
        int before = OrderTestApp.storedOrders(DATA);
        try (FakeService impostor = FakeService.start(AUTH_PORT, server(PKI.issue("payment")), 200, VALID)) {
            Reply reply = place();

            assertThat(reply.status()).isEqualTo(503);
            assertThat(impostor.requests()).as("requests that reached the impostor").isZero();
        }
        assertThat(OrderTestApp.storedOrders(DATA)).isEqualTo(before);
        assertThat(WARNINGS.list).extracting(ILoggingEvent::getFormattedMessage).anySatisfy(line -> assertThat(line)
                .contains("the server presented spiffe://tiktokmall.local/payment, but this client expects"
                        + " spiffe://tiktokmall.local/auth"));
    }

    @Test
    void theSameServerWithAuthsIdentityIsAsked() throws IOException {
        int before = OrderTestApp.storedOrders(DATA);
        try (FakeService auth = FakeService.start(AUTH_PORT, server(PKI.issue("auth")), 200, VALID)) {
            Reply reply = place();

            assertThat(reply.status()).isEqualTo(201);
            assertThat(auth.requests()).isEqualTo(1);
        }
        assertThat(OrderTestApp.storedOrders(DATA)).isEqualTo(before + 1);
    }

    private static MtlsContext server(TestCert cert) {
        return MtlsContext.forServer(cert.identity()).trust(TrustBundle.of(List.of(PKI.ca().certificate()))).build();
    }

    private static Reply place() {
        return gateway.post("https://localhost:" + ORDER.getLocalPort() + "/v1/orders", OrderFixture.order(),
                "Authorization", "Bearer some-token");
    }
}
