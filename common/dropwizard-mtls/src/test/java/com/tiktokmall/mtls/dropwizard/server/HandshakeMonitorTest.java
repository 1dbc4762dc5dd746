package com.tiktokmall.mtls.dropwizard.server;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import com.tiktokmall.mtls.MtlsContext;
import com.tiktokmall.mtls.TrustBundle;
import com.tiktokmall.mtls.testing.EchoApplication;
import com.tiktokmall.mtls.testing.Handshakes;
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
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * Refused handshakes are explained in the server's log and in the client's exception. The log
 * summarizes repeats from one address, so each refusal here comes from an address of its own.
 */
@ExtendWith(DropwizardExtensionsSupport.class)
class HandshakeMonitorTest {
    private static final TestPki PKI = TestPki.create();
    private static final DropwizardAppExtension<EchoApplication.EchoConfiguration> APP = new DropwizardAppExtension<>(
            EchoApplication.class, ResourceHelpers.resourceFilePath("echo.yml"), PKI.tlsOverrides("echo"));
    private static final ListAppender<ILoggingEvent> LOG = new ListAppender<>();

    private static Client client;

    @BeforeAll
    static void listen() {
        LOG.start();
        ((Logger) LoggerFactory.getLogger(HandshakeMonitor.class)).addAppender(LOG);
        JerseyClientConfiguration configuration = new JerseyClientConfiguration();
        configuration.setTimeout(Duration.seconds(5));
        configuration.setConnectionTimeout(Duration.seconds(5));
        client = APP.<EchoApplication>getApplication().mtls.clientBuilder(APP.getEnvironment())
                .using(configuration).build("handshake-test");
    }

    @AfterAll
    static void stopListening() {
        ((Logger) LoggerFactory.getLogger(HandshakeMonitor.class)).detachAppender(LOG);
        client.close();
    }

    @Test
    void serverLogsAPeerWithoutCertificate() {
        refused(TestCert.anonymousClientContext(PKI.ca().certificate()), "127.0.0.11");

        assertLogged("127.0.0.11", "peer presented no certificate");
    }

    @Test
    void serverLogsAPeerFromAnUntrustedCa() {
        refused(TestCa.create("Stranger CA").leaf("gateway").issue().rawClientContext(PKI.ca().certificate()),
                "127.0.0.12");

        assertLogged("127.0.0.12", "peer certificate 'gateway' is issued by 'Stranger CA', which is not a CA in " + PKI.caCert());
    }

    @Test
    void serverLogsAnExpiredPeerCertificate() {
        refused(PKI.ca().leaf("expired-gateway").expired().issue().rawClientContext(PKI.ca().certificate()),
                "127.0.0.13");

        assertLogged("127.0.0.13", "peer certificate 'expired-gateway' expired at ");
    }

    @Test
    void serverLogsAPeerCertificateWithoutClientAuth() {
        refused(PKI.ca().leaf("server-only").serverAuthOnly().issue().rawClientContext(PKI.ca().certificate()),
                "127.0.0.14");

        assertLogged("127.0.0.14", "peer certificate 'server-only' lacks the clientAuth extended key usage");
    }

    @Test
    void serverLogsAnOldProtocol() throws Exception {
        Process openssl = new ProcessBuilder("openssl", "s_client", "-connect", "127.0.0.1:" + APP.getLocalPort(),
                "-bind", "127.0.0.15:0", "-tls1_1", "-cipher", "DEFAULT@SECLEVEL=0").redirectErrorStream(true).start();
        openssl.getOutputStream().close();
        assertThat(openssl.waitFor(20, TimeUnit.SECONDS)).isTrue();

        // BoringSSL (Conscrypt, what auto chooses) refuses the version without saying which it was offered
        boolean saysTheVersion = !TestedEngine.boringSsl();
        assertLogged("127.0.0.15", saysTheVersion ? "protocol TLSv1.1 refused" : "no protocol in common with the peer");
    }

    @Test
    void serverLogsPlainHttpOnTheTlsPort() {
        Handshakes.assertNoAnswerToPlainHttp(APP.getLocalPort(), "127.0.0.16");

        assertLogged("127.0.0.16", "the peer does not speak TLS (plain HTTP sent to a TLS port?)");
    }

    @Test
    void refusalsRepeatedFromOneAddressAreCountedButLoggedOnce() {
        long before = APP.getEnvironment().metrics().meter("tls.handshakes.failed").getCount();
        for (int i = 0; i < 5; i++) {
            refused(TestCert.anonymousClientContext(PKI.ca().certificate()), "127.0.0.17");
        }

        await().atMost(10, TimeUnit.SECONDS).until(() ->
                APP.getEnvironment().metrics().meter("tls.handshakes.failed").getCount() >= before + 5);
        assertThat(linesFrom("127.0.0.17")).hasSize(1);
    }

    @Test
    void aNewlineInTheCertificateNameIsEscapedSoItMakesOneLine() {
        refused(TestCa.create("Stranger CA").leaf("gateway").subject("CN=evil\nforged").issue()
                .rawClientContext(PKI.ca().certificate()), "127.0.0.18");

        assertLogged("127.0.0.18", "peer certificate 'evil\\nforged' is issued by 'Stranger CA'");
        assertThat(linesFrom("127.0.0.18")).singleElement().asString().doesNotContain("\n").doesNotContain("\r");
    }

    @Test
    void clientExplainsAServerWithoutTheHostName() throws IOException {
        assertClientRefuses(PKI.ca().leaf("auth").sans("DNS:auth.internal").issue(), PKI.ca(),
                "host name localhost is not among the server certificate's SANs [DNS:auth.internal]");
    }

    @Test
    void clientExplainsAnExpiredServerCertificate() throws IOException {
        assertClientRefuses(PKI.ca().leaf("auth").expired().issue(), PKI.ca(), "peer certificate 'auth' expired at ");
    }

    @Test
    void clientExplainsAServerFromAnUntrustedCa() throws IOException {
        TestCa impostor = TestCa.create("Impostor CA");
        assertClientRefuses(impostor.leaf("auth").issue(), impostor,
                "peer certificate 'auth' is issued by 'Impostor CA', which is not a CA in " + PKI.caCert());
    }

    private static void assertClientRefuses(TestCert serverCert, TestCa serverTrusts, String reason) throws IOException {
        SSLContext context = serverCert.rawClientContext(serverTrusts.certificate(), PKI.ca().certificate());
        SSLParameters parameters = MtlsContext.forServer(PKI.ca().leaf("any").issue().identity())
                .trust(TrustBundle.of(List.of(PKI.ca().certificate()))).build().sslParameters();
        try (TlsEchoServer server = TlsEchoServer.start(context, parameters)) {
            assertThatThrownBy(() -> client.target("https://localhost:" + server.port() + "/").request().get())
                    .isInstanceOf(ProcessingException.class)
                    .hasMessageContaining("TLS handshake with localhost:" + server.port() + " failed: " + reason);
        }
    }

    private static void refused(SSLContext context, String from) {
        Handshakes.assertRefusedDuringHandshake(context, APP.getLocalPort(), from);
    }

    private static List<String> linesFrom(String from) {
        return LOG.list.stream().map(ILoggingEvent::getFormattedMessage).filter(line -> line.contains(" from " + from + ":"))
                .toList();
    }

    private static void assertLogged(String from, String reason) {
        await().atMost(10, TimeUnit.SECONDS).untilAsserted(() -> assertThat(LOG.list)
                .extracting(ILoggingEvent::getFormattedMessage)
                .anySatisfy(line -> assertThat(line)
                        .startsWith("TLS handshake refused on application port " + APP.getLocalPort() + " from " + from + ":")
                        .contains(": " + reason)));
    }
}
