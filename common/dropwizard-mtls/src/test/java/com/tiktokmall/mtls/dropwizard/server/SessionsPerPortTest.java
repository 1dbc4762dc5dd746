package com.tiktokmall.mtls.dropwizard.server;

import com.tiktokmall.mtls.testing.EchoApplication;
import com.tiktokmall.mtls.testing.TestPki;
import io.dropwizard.testing.ResourceHelpers;
import io.dropwizard.testing.junit5.DropwizardAppExtension;
import io.dropwizard.testing.junit5.DropwizardExtensionsSupport;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A TLS session made on the application port is not resumed on the admin port, which authorizes
 * differently: each port has a session cache of its own. Shown with openssl, which offers a saved
 * session to any port (the JDK's client offers one only to the host and port it came from).
 */
@ExtendWith(DropwizardExtensionsSupport.class)
class SessionsPerPortTest {
    private static final TestPki PKI = TestPki.create();
    private static final DropwizardAppExtension<EchoApplication.EchoConfiguration> APP = new DropwizardAppExtension<>(
            EchoApplication.class, ResourceHelpers.resourceFilePath("echo.yml"), PKI.tlsOverrides("echo"));

    @BeforeAll
    static void issueTheCallersCertificate() {
        PKI.write("gateway", PKI.issue("gateway"));
    }

    @Test
    void aSessionOfTheApplicationPortResumesThereButNotOnTheAdminPort() throws Exception {
        Path session = PKI.dir().resolve("app-session.pem");
        assertThat(sClient(APP.getLocalPort(), "-sess_out", session)).as("first handshake").contains("New, TLSv1.2");

        assertThat(sClient(APP.getLocalPort(), "-sess_in", session)).as("same port: resumption works at all")
                .contains("Reused, TLSv1.2");
        assertThat(sClient(APP.getAdminPort(), "-sess_in", session)).as("admin port").contains("New, TLSv1.2")
                .doesNotContain("Reused");
    }

    /**
     * TLS 1.3 resumes from tickets only, which Conscrypt's server (what auto chooses) issues because
     * the connector asks it to, and sends with its first answer; SunJSSE's right after the handshake.
     */
    @Test
    void aTls13SessionResumesFromATicketOnThePortItCameFrom() throws Exception {
        Path ticket = PKI.dir().resolve("app-ticket.pem");
        assertThat(sClient13(APP.getLocalPort(), "-sess_out", ticket)).as("first handshake").contains("New, TLSv1.3")
                .contains("200 OK");

        assertThat(sClient13(APP.getLocalPort(), "-sess_in", ticket)).as("same port").contains("Reused, TLSv1.3")
                .contains("200 OK");
        assertThat(sClient13(APP.getAdminPort(), "-sess_in", ticket)).as("admin port").contains("New, TLSv1.3")
                .doesNotContain("Reused");
    }

    /** One TLS 1.3 handshake and one request, read to the end: the ticket may come with the answer. */
    private static String sClient13(int port, String sessionOption, Path session) throws IOException, InterruptedException {
        Process openssl = new ProcessBuilder(List.of("openssl", "s_client", "-connect", "localhost:" + port,
                "-tls1_3", "-ign_eof", "-CAfile", PKI.caCert().toString(), "-cert", PKI.certFile("gateway").toString(),
                "-key", PKI.keyFile("gateway").toString(), sessionOption, session.toString()))
                .redirectErrorStream(true).start();
        try (var request = openssl.getOutputStream()) {
            request.write("GET /whoami HTTP/1.0\r\nHost: localhost\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
        }
        String output = new String(openssl.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(openssl.waitFor(30, TimeUnit.SECONDS)).as(output).isTrue();
        return output;
    }

    /** One handshake with TLS 1.2 (session ids; TLS 1.3 tickets come after it), then EOF. */
    private static String sClient(int port, String sessionOption, Path session) throws IOException, InterruptedException {
        Process openssl = new ProcessBuilder(List.of("openssl", "s_client", "-connect", "localhost:" + port,
                "-tls1_2", "-CAfile", PKI.caCert().toString(), "-cert", PKI.certFile("gateway").toString(),
                "-key", PKI.keyFile("gateway").toString(), sessionOption, session.toString()))
                .redirectErrorStream(true).start();
        openssl.getOutputStream().close();
        String output = new String(openssl.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(openssl.waitFor(30, TimeUnit.SECONDS)).as(output).isTrue();
        return output;
    }
}
