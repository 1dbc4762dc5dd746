package com.tiktokmall.mtls.dropwizard;

import com.tiktokmall.mtls.testing.EchoService;
import com.tiktokmall.mtls.testing.TestCert;
import com.tiktokmall.mtls.testing.TestPki;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLSocket;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * A service with Dropwizard's {@code simple} server (one connector for application and admin) and
 * an {@code ${ENV_VAR:-default}} in its YAML: the connector becomes mTLS too, and the variable is
 * substituted before the block is checked. Each test starts its own service: the claims are about
 * start-up.
 */
class SimpleServerTest {
    private static final TestPki PKI = TestPki.create();

    @Test
    void theOneConnectorServesCallersOfTheCaAndRefusesOthersAfterTheyConnected() throws Exception {
        SSLContext gateway = PKI.ca().leaf("gateway").issue().rawClientContext(PKI.ca().certificate());
        SSLContext anonymous = TestCert.anonymousClientContext(PKI.ca().certificate());

        try (EchoService echo = EchoService.start("echo-simple.yml", PKI.tlsSettings("echo"))) {
            assertThat(get(gateway, echo.port(), "/application/whoami"))
                    .startsWith("HTTP/1.1 200").contains("\"identity\":\"spiffe://tiktokmall.local/gateway\"");
            assertThatThrownBy(() -> get(anonymous, echo.port(), "/application/whoami"))
                    .isInstanceOfAny(SSLException.class, SocketException.class)
                    .isNotInstanceOf(ConnectException.class);
            assertThat(echo.application().mtls.source()).isPresent();
        }
    }

    @Test
    void anEnvironmentVariableWithADefaultIsSubstituted() throws Exception {
        try (EchoService echo = EchoService.start("echo-simple.yml", PKI.tlsSettings("echo"))) {
            assertThat(echo.configuration().getTls().getTrustDomain()).isEqualTo("tiktokmall.local");
        }
    }

    /** The whole answer to {@code GET path}; the TCP connection is made before any TLS, so a refusal is TLS's. */
    private static String get(SSLContext context, int port, String path) throws IOException {
        Socket plain = new Socket(InetAddress.getLoopbackAddress(), port);
        try (SSLSocket socket = (SSLSocket) context.getSocketFactory().createSocket(plain, "localhost", port, true)) {
            socket.setSoTimeout(10_000);
            socket.getOutputStream().write(("GET " + path + " HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            return new String(socket.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        }
    }
}
