package com.tiktokmall.mtls.dropwizard;

import com.tiktokmall.mtls.testing.EchoApplication;
import com.tiktokmall.mtls.testing.TestCert;
import com.tiktokmall.mtls.testing.TestPki;
import io.dropwizard.testing.ResourceHelpers;
import io.dropwizard.testing.junit5.DropwizardAppExtension;
import io.dropwizard.testing.junit5.DropwizardExtensionsSupport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

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
 * substituted before the block is checked.
 */
@ExtendWith(DropwizardExtensionsSupport.class)
class SimpleServerTest {
    private static final TestPki PKI = TestPki.create();
    private static final DropwizardAppExtension<EchoApplication.EchoConfiguration> APP = new DropwizardAppExtension<>(
            EchoApplication.class, ResourceHelpers.resourceFilePath("echo-simple.yml"), PKI.tlsOverrides("echo"));

    @Test
    void theOneConnectorServesCallersWithACertificateOfTheCa() throws IOException {
        SSLContext gateway = PKI.ca().leaf("gateway").issue().rawClientContext(PKI.ca().certificate());

        assertThat(get(gateway, "/application/whoami"))
                .startsWith("HTTP/1.1 200").contains("\"identity\":\"spiffe://tiktokmall.local/gateway\"");
    }

    @Test
    void theOneConnectorRefusesCallersWithoutACertificateAfterTheyConnected() {
        SSLContext anonymous = TestCert.anonymousClientContext(PKI.ca().certificate());

        assertThatThrownBy(() -> get(anonymous, "/application/whoami"))
                .isInstanceOfAny(SSLException.class, SocketException.class)
                .isNotInstanceOf(ConnectException.class);
    }

    @Test
    void theTrustDomainCameFromTheVariablesDefault() {
        assertThat(APP.getConfiguration().getTls().getTrustDomain()).isEqualTo("tiktokmall.local");
        assertThat(APP.<EchoApplication>getApplication().mtls.source()).isPresent();
    }

    /** The whole answer to {@code GET path}; the TCP connection is made before any TLS, so a refusal is TLS's. */
    private static String get(SSLContext context, String path) throws IOException {
        Socket plain = new Socket(InetAddress.getLoopbackAddress(), APP.getLocalPort());
        try (SSLSocket socket = (SSLSocket) context.getSocketFactory().createSocket(plain, "localhost", APP.getLocalPort(), true)) {
            socket.setSoTimeout(10_000);
            socket.getOutputStream().write(("GET " + path + " HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            return new String(socket.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        }
    }
}
