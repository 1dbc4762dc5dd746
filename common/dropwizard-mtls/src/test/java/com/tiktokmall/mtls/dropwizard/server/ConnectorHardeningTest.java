package com.tiktokmall.mtls.dropwizard.server;

import com.tiktokmall.mtls.testing.EchoService;
import com.tiktokmall.mtls.testing.TestCert;
import com.tiktokmall.mtls.testing.TestPki;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * What the connector refuses even from a client whose certificate it trusts: protocols the tls
 * block leaves out, cipher suites without AEAD, and renegotiation. Each refusal is shown next to
 * the same client succeeding without the refused feature, so that a connector that refused
 * everything would fail too. Each test starts its own service: the claims are about start-up.
 */
class ConnectorHardeningTest {
    private static final String CBC_SUITE = "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256";
    private static final String GCM_SUITE = "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256";
    private static final TestPki PKI = TestPki.create();

    private static TestCert gateway;

    @BeforeAll
    static void issue() {
        gateway = PKI.issue("gateway");
    }

    @Test
    void aProtocolLeftOutOfTheTlsBlockIsRefused() throws Exception {
        Map<String, String> settings = PKI.tlsSettings("echo");
        settings.put("tls.protocols", "TLSv1.3");

        try (EchoService echo = EchoService.start("echo.yml", settings)) {
            try (SSLSocket tls13 = connect(echo.port(), "TLSv1.3", null)) {
                assertThat(get(tls13)).startsWith("HTTP/1.1 200");
            }
            assertThatThrownBy(() -> connect(echo.port(), "TLSv1.2", null).close()).isInstanceOf(IOException.class);
        }
    }

    @Test
    void cipherSuitesWithoutAeadAreRefused() throws Exception {
        try (EchoService echo = EchoService.start("echo.yml", PKI.tlsSettings("echo"))) {
            try (SSLSocket gcm = connect(echo.port(), "TLSv1.2", GCM_SUITE)) {
                assertThat(get(gcm)).startsWith("HTTP/1.1 200");
            }
            assertThatThrownBy(() -> connect(echo.port(), "TLSv1.2", CBC_SUITE).close()).isInstanceOf(IOException.class);
        }
    }

    @Test
    void renegotiationIsRefused() throws Exception {
        try (EchoService echo = EchoService.start("echo.yml", PKI.tlsSettings("echo"));
             SSLSocket socket = connect(echo.port(), "TLSv1.2", null)) {
            assertThat(get(socket)).startsWith("HTTP/1.1 200");
            assertThat(get(socket)).as("a second request on the same connection").startsWith("HTTP/1.1 200");

            String afterRenegotiation;
            try {
                // Jetty leaves a refused renegotiation unanswered; an accepted one is answered in milliseconds.
                socket.setSoTimeout(3_000);
                socket.startHandshake();
                afterRenegotiation = get(socket);
            } catch (IOException refused) {
                afterRenegotiation = "refused: " + refused;
            }

            assertThat(afterRenegotiation).doesNotStartWith("HTTP/1.1 200");
        }
    }

    /** A TLS connection from the gateway, offering only {@code protocol} (and {@code suite}, if given). */
    private static SSLSocket connect(int port, String protocol, String suite) throws IOException {
        Socket plain = new Socket(InetAddress.getLoopbackAddress(), port);
        SSLSocket socket = (SSLSocket) gateway.rawClientContext(PKI.ca().certificate()).getSocketFactory()
                .createSocket(plain, "localhost", port, true);
        socket.setSoTimeout(10_000);
        SSLParameters parameters = socket.getSSLParameters();
        parameters.setProtocols(new String[] {protocol});
        if (suite != null) {
            parameters.setCipherSuites(new String[] {suite});
        }
        socket.setSSLParameters(parameters);
        try {
            socket.startHandshake();
            return socket;
        } catch (IOException e) {
            socket.close();
            throw e;
        }
    }

    /** {@code GET /whoami} on a kept-alive connection: the status line, or what ended the exchange. */
    private static String get(SSLSocket socket) throws IOException {
        socket.getOutputStream().write("GET /whoami HTTP/1.1\r\nHost: localhost\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
        socket.getOutputStream().flush();
        InputStream in = socket.getInputStream();
        String status = line(in);
        int length = 0;
        for (String header = line(in); !header.isEmpty(); header = line(in)) {
            if (header.regionMatches(true, 0, "Content-Length:", 0, 15)) {
                length = Integer.parseInt(header.substring(15).trim());
            }
        }
        in.readNBytes(length);
        return status;
    }

    private static String line(InputStream in) throws IOException {
        StringBuilder line = new StringBuilder();
        for (int c = in.read(); c >= 0 && c != '\n'; c = in.read()) {
            if (c != '\r') {
                line.append((char) c);
            }
        }
        return line.toString();
    }
}
