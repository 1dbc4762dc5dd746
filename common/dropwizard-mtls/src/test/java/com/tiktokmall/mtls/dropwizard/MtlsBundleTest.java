package com.tiktokmall.mtls.dropwizard;

import com.tiktokmall.mtls.MtlsContext;
import com.tiktokmall.mtls.TrustBundle;
import com.tiktokmall.mtls.testing.EchoApplication;
import com.tiktokmall.mtls.testing.Handshakes;
import com.tiktokmall.mtls.testing.RawHttps;
import com.tiktokmall.mtls.testing.TestCa;
import com.tiktokmall.mtls.testing.TestCert;
import com.tiktokmall.mtls.testing.TestPki;
import com.tiktokmall.mtls.testing.TlsEchoServer;
import io.dropwizard.client.JerseyClientConfiguration;
import io.dropwizard.testing.ResourceHelpers;
import io.dropwizard.testing.junit5.DropwizardAppExtension;
import io.dropwizard.testing.junit5.DropwizardExtensionsSupport;
import io.dropwizard.util.Duration;
import jakarta.ws.rs.ProcessingException;
import jakarta.ws.rs.client.Client;
import jakarta.ws.rs.core.GenericType;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.io.IOException;
import java.security.cert.CertificateException;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import javax.net.ssl.SSLContext;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Real handshakes on loopback against a service whose connectors come from the tls block. */
@ExtendWith(DropwizardExtensionsSupport.class)
class MtlsBundleTest {
    private static final TestPki PKI = TestPki.create();
    private static final DropwizardAppExtension<EchoApplication.EchoConfiguration> APP = new DropwizardAppExtension<>(
            EchoApplication.class, ResourceHelpers.resourceFilePath("echo.yml"), PKI.tlsOverrides("echo"));
    private static final GenericType<Map<String, Object>> JSON = new GenericType<>() { };

    private static TestCert gateway;
    private static Client client;

    @BeforeAll
    static void issueCallerCertificate() {
        gateway = PKI.issue("gateway");
        JerseyClientConfiguration configuration = new JerseyClientConfiguration();
        configuration.setKeepAlive(Duration.seconds(10));
        configuration.setTimeout(Duration.seconds(5));
        configuration.setConnectionTimeout(Duration.seconds(5));
        client = mtls().clientBuilder(APP.getEnvironment()).using(configuration).build("echo-test");
    }

    @AfterAll
    static void closeClient() {
        client.close();
    }

    @Test
    void acceptsClientWithCaSignedCertificateOnApplicationAndAdminPorts() {
        SSLContext context = gateway.rawClientContext(PKI.ca().certificate());

        RawHttps.Response whoami = RawHttps.answer(context, "localhost", APP.getLocalPort(), "/whoami");
        assertThat(whoami.status()).as(whoami.toString()).isEqualTo(200);
        assertThat(whoami.json().path("peer").asText()).isEqualTo("CN=gateway");
        assertThat(whoami.json().path("identity").asText()).isEqualTo("spiffe://tiktokmall.local/gateway");
        RawHttps.Response health = RawHttps.answer(context, "localhost", APP.getAdminPort(), "/healthcheck");
        assertThat(health.status()).as(health.toString()).isEqualTo(200);
        assertThat(health.json().path("tls").path("healthy").asBoolean()).as(health.toString()).isTrue();
        assertThat(whoami.header("Server")).as("no Server header, application port").isEmpty();
        assertThat(health.header("Server")).as("no Server header, admin port").isEmpty();
    }

    @Test
    void rejectsClientWithoutCertificate() {
        SSLContext anonymous = TestCert.anonymousClientContext(PKI.ca().certificate());

        assertRefused(anonymous, APP.getLocalPort());
        assertRefused(anonymous, APP.getAdminPort());
    }

    @Test
    void rejectsClientWithCertificateFromAnotherCa() {
        TestCert stranger = TestCa.create("Stranger CA").leaf("gateway").issue();

        assertRefused(stranger.rawClientContext(PKI.ca().certificate()), APP.getLocalPort());
    }

    @Test
    void rejectsExpiredClientCertificate() {
        TestCert expired = PKI.ca().leaf("gateway").expired().issue();

        assertRefused(expired.rawClientContext(PKI.ca().certificate()), APP.getLocalPort());
    }

    @Test
    void rejectsClientCertificateWithoutClientAuthUsage() {
        TestCert serverOnly = PKI.ca().leaf("gateway").serverAuthOnly().issue();

        assertRefused(serverOnly.rawClientContext(PKI.ca().certificate()), APP.getLocalPort());
    }

    @Test
    void plainHttpToTlsPortsGetsNoHttpAnswer() {
        Handshakes.assertNoAnswerToPlainHttp(APP.getLocalPort());
        Handshakes.assertNoAnswerToPlainHttp(APP.getAdminPort());
    }

    @Test
    void mtlsClientPresentsItsCertificate() {
        Map<String, Object> answer = client.target("https://localhost:" + APP.getLocalPort() + "/whoami")
                .request().get(JSON);

        assertThat(answer).containsEntry("peer", "CN=echo").containsEntry("secure", true);
    }

    @Test
    void mtlsClientReusesOnePooledConnectionForSequentialCalls() {
        Set<Object> clientPorts = new HashSet<>();
        for (int i = 0; i < 20; i++) {
            clientPorts.add(client.target("https://localhost:" + APP.getLocalPort() + "/whoami")
                    .request().get(JSON).get("remote_port"));
        }

        assertThat(clientPorts).hasSize(1);
    }

    @Test
    void mtlsClientRefusesPlainHttpUrls() {
        assertThatThrownBy(() -> client.target("http://localhost:" + APP.getLocalPort() + "/whoami").request().get())
                .isInstanceOf(ProcessingException.class)
                .hasMessageContaining("only https:// URLs are allowed");
    }

    @Test
    void mtlsClientRefusesServerWhoseCertificateLacksTheHostName() throws IOException {
        MtlsContext impostor = MtlsContext.forServer(PKI.ca().leaf("auth").sans("DNS:auth.internal").issue().identity())
                .trust(TrustBundle.of(List.of(PKI.ca().certificate())))
                .build();

        try (TlsEchoServer server = TlsEchoServer.start(impostor.sslContext(), impostor.sslParameters())) {
            assertThatThrownBy(() -> client.target("https://localhost:" + server.port() + "/").request().get())
                    .isInstanceOf(ProcessingException.class)
                    .hasRootCauseInstanceOf(CertificateException.class)
                    .rootCause().hasMessageContaining("localhost");
        }
    }

    static MtlsBundle<EchoApplication.EchoConfiguration> mtls() {
        return APP.<EchoApplication>getApplication().mtls;
    }

    static void assertRefused(SSLContext context, int port) {
        Handshakes.assertRefusedDuringHandshake(context, port);
    }
}
