package com.tiktokmall.mtls;

import com.tiktokmall.mtls.testing.MutableClock;
import com.tiktokmall.mtls.testing.RawHttps;
import com.tiktokmall.mtls.testing.TestCa;
import com.tiktokmall.mtls.testing.TestCert;
import com.tiktokmall.mtls.testing.TlsEchoServer;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import javax.net.ssl.SSLHandshakeException;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The plain-Java API, without Dropwizard: build checks and real handshakes on loopback. */
class MtlsContextTest {
    private static final TestCa CA = TestCa.create("Context Test CA");
    private static final TrustBundle TRUST = TrustBundle.of(List.of(CA.certificate()));

    @Test
    void serverAndClientContextsShakeHandsAndSeeEachOther() throws Exception {
        MtlsContext server = MtlsContext.forServer(CA.leaf("auth").issue().identity()).trust(TRUST).build();
        MtlsContext client = MtlsContext.forClient(CA.leaf("order").issue().identity()).trust(TRUST).build();
        HttpClient http = HttpClient.newBuilder().sslContext(client.sslContext()).sslParameters(client.sslParameters()).build();

        try (TlsEchoServer echo = TlsEchoServer.start(server.sslContext(), server.sslParameters())) {
            HttpResponse<String> response = http.send(HttpRequest.newBuilder(
                    URI.create("https://localhost:" + echo.port() + "/")).build(), HttpResponse.BodyHandlers.ofString());

            assertThat(response.body()).isEqualTo("{\"peer\":\"CN=order\"}");
            assertThat(response.sslSession()).get()
                    .satisfies(s -> assertThat(s.getPeerPrincipal().getName()).isEqualTo("CN=auth"))
                    .satisfies(s -> assertThat(s.getProtocol()).isEqualTo("TLSv1.3"));
        }
    }

    @Test
    void sessionsMayBeResumedForTheSessionTimeoutInBothRoles() {
        TestCert auth = CA.leaf("auth").issue();
        MtlsContext byDefault = MtlsContext.forServer(auth.identity()).trust(TRUST).build();
        MtlsContext shorter = MtlsContext.forServer(auth.identity()).trust(TRUST).sessionTimeout(Duration.ofMinutes(5)).build();

        assertThat(byDefault.sslContext().getServerSessionContext().getSessionTimeout()).isEqualTo(3600);
        assertThat(shorter.sslContext().getServerSessionContext().getSessionTimeout()).isEqualTo(300);
        assertThat(shorter.sslContext().getClientSessionContext().getSessionTimeout()).isEqualTo(300);
    }

    @Test
    void optionsSetTheProtocolsAndSessionTimeoutOfBothRolesAndAHandshakeKeepsToThem() throws Exception {
        TlsOptions options = TlsOptions.builder().protocols(List.of("TLSv1.2")).sessionTimeout(Duration.ofMinutes(5)).build();
        MtlsContext server = MtlsContext.forServer(CA.leaf("auth").issue().identity()).trust(TRUST).options(options).build();
        MtlsContext client = MtlsContext.forClient(CA.leaf("order").issue().identity()).trust(TRUST).options(options).build();

        MtlsContext expecting = client.expectingServer(SpiffeId.parse("spiffe://tiktokmall.local/auth"));
        for (MtlsContext context : List.of(server, client, expecting)) {
            assertThat(context.options()).isSameAs(options);
            assertThat(context.protocols()).containsExactly("TLSv1.2");
            assertThat(context.sslParameters().getProtocols()).containsExactly("TLSv1.2");
            assertThat(context.sslContext().getServerSessionContext().getSessionTimeout()).isEqualTo(300);
            assertThat(context.sslContext().getClientSessionContext().getSessionTimeout()).isEqualTo(300);
        }
        HttpClient http = HttpClient.newBuilder().sslContext(client.sslContext()).sslParameters(client.sslParameters()).build();
        try (TlsEchoServer echo = TlsEchoServer.start(server.sslContext(), server.sslParameters())) {
            HttpResponse<String> response = http.send(HttpRequest.newBuilder(
                    URI.create("https://localhost:" + echo.port() + "/")).build(), HttpResponse.BodyHandlers.ofString());

            assertThat(response.sslSession()).get().satisfies(s -> assertThat(s.getProtocol()).isEqualTo("TLSv1.2"));
        }
    }

    @Test
    void aSetterAfterOptionsChangesThatOptionOnlyAndNotTheOptionsGiven() {
        TlsOptions options = TlsOptions.builder().protocols(List.of("TLSv1.3")).sessionTimeout(Duration.ofMinutes(5)).build();

        MtlsContext server = MtlsContext.forServer(CA.leaf("auth").issue().identity()).trust(TRUST).options(options)
                .sessionTimeout(Duration.ofMinutes(2)).build();

        assertThat(server.protocols()).containsExactly("TLSv1.3");
        assertThat(server.options().sessionTimeout()).isEqualTo(Duration.ofMinutes(2));
        assertThat(server.sslContext().getServerSessionContext().getSessionTimeout()).isEqualTo(120);
        assertThat(options.sessionTimeout()).isEqualTo(Duration.ofMinutes(5));
        assertThatThrownBy(() -> MtlsContext.forServer(CA.leaf("auth").issue().identity()).options(null))
                .isInstanceOf(NullPointerException.class);
    }

    @Test
    void theClockOfTheOptionsJudgesTheIdentityAtBuild() {
        MutableClock clock = MutableClock.startingNow();
        TestCert auth = CA.leaf("auth").issue();
        clock.advance(Duration.ofDays(60));

        assertThatThrownBy(() -> MtlsContext.forServer(auth.identity()).trust(TRUST)
                .options(TlsOptions.builder().clock(clock).build()).build())
                .isInstanceOf(TlsException.class)
                .hasMessageContaining("the certificate 'auth' expired at " + auth.certificate().getNotAfter().toInstant());
    }

    @Test
    void clientRefusesServerWhoseCertificateLacksTheHostName() throws Exception {
        MtlsContext server = MtlsContext.forServer(CA.leaf("auth").sans("DNS:auth.internal").issue().identity())
                .trust(TRUST).build();
        MtlsContext client = MtlsContext.forClient(CA.leaf("order").issue().identity()).trust(TRUST).build();

        try (TlsEchoServer echo = TlsEchoServer.start(server.sslContext(), server.sslParameters())) {
            assertThatThrownBy(() -> RawHttps.get(client.sslContext(), "localhost", echo.port(), "/"))
                    .isInstanceOf(SSLHandshakeException.class)
                    .hasMessageContaining("localhost");
        }
    }

    @Test
    void serverContextsRequireClientCertificatesAndClientContextsCheckHostNames() {
        MtlsContext server = MtlsContext.forServer(CA.leaf("auth").issue().identity()).trust(TRUST).build();
        MtlsContext client = MtlsContext.forClient(CA.leaf("order").issue().identity()).trust(TRUST).build();

        assertThat(server.sslParameters().getNeedClientAuth()).isTrue();
        assertThat(client.sslParameters().getEndpointIdentificationAlgorithm()).isEqualTo("HTTPS");
        assertThat(server.protocols()).containsExactly("TLSv1.3", "TLSv1.2");
        assertThat(server.cipherSuites()).isNotEmpty()
                .allSatisfy(suite -> assertThat(suite).containsAnyOf("_GCM_", "_CHACHA20_POLY1305_"));
    }

    @Test
    void refusesExpiredCertificate() {
        TestCert expired = CA.leaf("auth").expired().issue();

        assertThatThrownBy(() -> MtlsContext.forServer(expired.identity()).trust(TRUST).build())
                .isInstanceOf(TlsException.class)
                .hasMessageContaining("the certificate 'auth' expired at");
    }

    @Test
    void refusesCertificateNotYetValid() {
        TestCert early = CA.leaf("auth").notYetValid().issue();

        assertThatThrownBy(() -> MtlsContext.forServer(early.identity()).trust(TRUST).build())
                .isInstanceOf(TlsException.class)
                .hasMessageContaining("the certificate 'auth' is not valid before");
    }

    @Test
    void refusesCertificateFromAnotherCa() {
        TestCert stranger = TestCa.create("Stranger CA").leaf("auth").issue();

        assertThatThrownBy(() -> MtlsContext.forClient(stranger.identity()).trust(TRUST).build())
                .isInstanceOf(TlsException.class)
                .hasMessageContaining("the certificate 'auth' is issued by 'Stranger CA', which is not a CA in the"
                        + " trust bundle ('Context Test CA')");
    }

    @Test
    void refusesServerCertificateWithoutServerAuthAndClientCertificateWithoutClientAuth() {
        Identity clientOnly = CA.leaf("auth").clientAuthOnly().issue().identity();
        Identity serverOnly = CA.leaf("auth").serverAuthOnly().issue().identity();

        assertThatThrownBy(() -> MtlsContext.forServer(clientOnly).trust(TRUST).build())
                .isInstanceOf(TlsException.class).hasMessageContaining("lacks the serverAuth extended key usage");
        assertThatThrownBy(() -> MtlsContext.forClient(serverOnly).trust(TRUST).build())
                .isInstanceOf(TlsException.class).hasMessageContaining("lacks the clientAuth extended key usage");
    }

    @Test
    void acceptsCertificateWithoutAnyExtendedKeyUsage() {
        Identity any = CA.leaf("auth").noExtendedKeyUsage().issue().identity();

        assertThat(MtlsContext.forServer(any).trust(TRUST).build().role()).isEqualTo(MtlsContext.Role.SERVER);
    }

    @Test
    void refusesProtocolsOlderThanTls12() {
        assertThatThrownBy(() -> MtlsContext.forServer(CA.leaf("auth").issue().identity()).protocols(List.of("TLSv1.1")))
                .isInstanceOf(TlsException.class)
                .hasMessageContaining("protocols [TLSv1.1] are not allowed");
    }

    @Test
    void refusesToBuildWithoutTrustBundle() {
        assertThatThrownBy(() -> MtlsContext.forClient(CA.leaf("auth").issue().identity()).build())
                .isInstanceOf(TlsException.class)
                .hasMessageContaining("no trust bundle is set");
    }

    @Test
    void describesItselfByRoleIdentityAndTrust() {
        MtlsContext server = MtlsContext.forServer(CA.leaf("auth").issue().identity()).trust(TRUST).build();

        assertThat(server).hasToString("MtlsContext[SERVER, Identity['auth', EC P-256], TrustBundle['Context Test CA']]");
        assertThat(server.identity().certificate().getSubjectX500Principal().getName()).isEqualTo("CN=auth");
        assertThat(server.trust()).isSameAs(TRUST);
        assertThat(TRUST.file()).isEmpty();
    }
}
