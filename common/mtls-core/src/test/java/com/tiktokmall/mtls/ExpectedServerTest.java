package com.tiktokmall.mtls;

import com.tiktokmall.mtls.testing.TestCa;
import com.tiktokmall.mtls.testing.TestCert;
import com.tiktokmall.mtls.testing.TlsEchoServer;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.security.cert.X509Certificate;
import java.util.List;
import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.SSLSocket;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** A client that names the server it means to call refuses every other one during the handshake. */
class ExpectedServerTest {
    private static final SpiffeId AUTH = SpiffeId.parse("spiffe://tiktokmall.local/auth");

    private final TestCa ca = TestCa.create("TikTokMall Test CA");
    private final TestCert client = ca.leaf("order").issue();

    @Test
    void theExpectedIdentityIsServed() throws IOException {
        try (TlsEchoServer auth = server(ca.leaf("auth").issue())) {
            assertThat(get(expecting(AUTH), auth.port())).startsWith("HTTP/1.1 200");
        }
    }

    @Test
    void anotherIdentityOfTheSameCaIsRefusedDuringTheHandshakeNamingBoth() throws IOException {
        try (TlsEchoServer impostor = server(ca.leaf("payment").issue())) {
            assertThatThrownBy(() -> handshake(expecting(AUTH), impostor.port()))
                    .isInstanceOf(SSLHandshakeException.class)
                    .satisfies(e -> assertThat(HandshakeFailure.explain(e)).isEqualTo("the server presented"
                            + " spiffe://tiktokmall.local/payment, but this client expects spiffe://tiktokmall.local/auth"));
        }
    }

    @Test
    void aServerWithoutSpiffeIdIsRefused() throws IOException {
        try (TlsEchoServer plain = server(ca.leaf("auth").sans("DNS:localhost", "IP:127.0.0.1").issue())) {
            assertThatThrownBy(() -> handshake(expecting(AUTH), plain.port()))
                    .isInstanceOf(SSLHandshakeException.class)
                    .satisfies(e -> assertThat(HandshakeFailure.explain(e)).startsWith("the server presented no SPIFFE ID"
                            + " of tiktokmall.local (certificate 'auth', URI SANs []), but this client expects"));
        }
    }

    @Test
    void aUriOnlySvidServesAClientThatExpectsItsIdentityInsteadOfAHostName() throws IOException {
        TestCert svid = ca.leaf("auth").svid().issue();
        assertThat(svid.certificate().getSubjectX500Principal().getName()).isEmpty();
        assertThat(svid.certificate().getCriticalExtensionOIDs()).contains("2.5.29.17");
        try (TlsEchoServer auth = server(svid)) {
            assertThat(get(expecting(AUTH), auth.port())).startsWith("HTTP/1.1 200");

            MtlsContext byHostName = MtlsContext.forClient(client.identity()).trust(bundle()).build();
            assertThatThrownBy(() -> handshake(byHostName, auth.port())).isInstanceOf(SSLHandshakeException.class)
                    .satisfies(e -> assertThat(HandshakeFailure.explain(e)).startsWith("host name localhost is not among"));
        }
    }

    @Test
    void aUriOnlySvidIsNamedByItsSpiffeIdInMessages() {
        X509Certificate svid = ca.leaf("order").svid().issue().certificate();

        assertThat(Certificates.name(svid)).isEqualTo("'spiffe://tiktokmall.local/order'");
        assertThat(Certificates.subject(svid)).isEqualTo("(empty subject)");
    }

    @Test
    void aUriOnlySvidWorksAsAClientCertificateToo() throws IOException {
        TestCert svidClient = ca.leaf("order").svid().issue();
        MtlsContext context = MtlsContext.forClient(svidClient.identity()).trust(bundle()).expectServer(AUTH).build();
        try (TlsEchoServer auth = server(ca.leaf("auth").issue())) {
            assertThat(get(context, auth.port())).contains("\"peer\":\"\"");
        }
    }

    @Test
    void onlyClientsExpectAServerIdentity() {
        assertThatThrownBy(() -> MtlsContext.forServer(ca.leaf("auth").issue().identity()).trust(bundle())
                .expectServer(AUTH).build()).isInstanceOf(TlsException.class);
        MtlsContext server = MtlsContext.forServer(ca.leaf("auth").issue().identity()).trust(bundle()).build();
        assertThatThrownBy(() -> server.expectingServer(AUTH)).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void anExpectingClientTurnsOffTheHostNameCheckAndKeepsEverythingElse() {
        MtlsContext plain = MtlsContext.forClient(client.identity()).trust(bundle()).build();
        MtlsContext expecting = plain.expectingServer(AUTH);

        assertThat(plain.sslParameters().getEndpointIdentificationAlgorithm()).isEqualTo("HTTPS");
        assertThat(expecting.sslParameters().getEndpointIdentificationAlgorithm()).isNull();
        assertThat(expecting.expectedServer()).contains(AUTH);
        assertThat(plain.expectedServer()).isEmpty();
        assertThat(expecting.identity()).isSameAs(plain.identity());
        assertThat(expecting.protocols()).isEqualTo(plain.protocols());
    }

    private MtlsContext expecting(SpiffeId server) {
        return MtlsContext.forClient(client.identity()).trust(bundle()).expectServer(server).build();
    }

    private TrustBundle bundle() {
        return TrustBundle.of(List.of(ca.certificate()));
    }

    private TlsEchoServer server(TestCert cert) throws IOException {
        MtlsContext context = MtlsContext.forServer(cert.identity()).trust(bundle()).build();
        return TlsEchoServer.start(context.sslContext(), context.sslParameters());
    }

    private static void handshake(MtlsContext context, int port) throws IOException {
        try (SSLSocket socket = (SSLSocket) context.sslContext().getSocketFactory().createSocket("localhost", port)) {
            socket.setSSLParameters(context.sslParameters());
            socket.setSoTimeout(10_000);
            socket.startHandshake();
        }
    }

    private static String get(MtlsContext context, int port) throws IOException {
        try (SSLSocket socket = (SSLSocket) context.sslContext().getSocketFactory().createSocket("localhost", port)) {
            socket.setSSLParameters(context.sslParameters());
            socket.setSoTimeout(10_000);
            socket.getOutputStream().write("GET / HTTP/1.1\r\nHost: localhost\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            InputStream in = socket.getInputStream();
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }
}
