package com.tiktokmall.mtls.dropwizard.command;

import com.tiktokmall.mtls.HandshakeFailure;
import com.tiktokmall.mtls.MtlsContext;
import com.tiktokmall.mtls.TlsException;
import com.tiktokmall.mtls.Certificates;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.security.cert.X509Certificate;
import java.time.Instant;
import javax.net.ssl.SSLSession;
import javax.net.ssl.SSLSocket;

/**
 * check-tls --connect: one real mutual-TLS handshake with the configured client identity, then a
 * {@code HEAD /} so that a server refusing our certificate after a TLS 1.3 handshake is seen too.
 */
final class TlsConnectCheck {
    private static final int TIMEOUT_MILLIS = 10_000;

    private final PrintStream out;
    private final String trustDomain;

    TlsConnectCheck(PrintStream out, String trustDomain) {
        this.out = out;
        this.trustDomain = trustDomain;
    }

    void connect(MtlsContext client, String hostAndPort) {
        int colon = hostAndPort.lastIndexOf(':');
        if (colon < 1) {
            throw TlsException.invalid("--connect needs HOST:PORT, not '" + hostAndPort + "'", "e.g. --connect localhost:8443");
        }
        String host = hostAndPort.substring(0, colon);
        int port = Integer.parseInt(hostAndPort.substring(colon + 1));
        out.printf("connect  %s as %s, expecting %s%n", hostAndPort, Certificates.name(client.identity().certificate()),
                client.expectedServer().map(Object::toString).orElse("a certificate that names " + host));
        try (SSLSocket socket = (SSLSocket) client.sslContext().getSocketFactory().createSocket(host, port)) {
            socket.setSSLParameters(client.sslParameters());
            socket.setSoTimeout(TIMEOUT_MILLIS);
            socket.startHandshake();
            report(socket.getSession(), client.options().clock().instant());
            String status = headRequest(socket, host);
            line("answer", status == null ? "(connection closed without an HTTP answer)" : status);
        } catch (IOException e) {
            throw TlsException.invalid("the handshake with " + hostAndPort + " failed: " + HandshakeFailure.explain(e),
                    "run check-tls on both sides; the peer's log names the reason too");
        }
    }

    /**
     * The status line of {@code HEAD /}. Under TLS 1.3 a server refuses our certificate only after
     * our side finished the handshake, so its alert may turn up as a failed write: read it then.
     */
    private static String headRequest(SSLSocket socket, String host) throws IOException {
        BufferedReader in = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.US_ASCII));
        try {
            socket.getOutputStream().write(("HEAD / HTTP/1.1\r\nHost: " + host + "\r\nConnection: close\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
        } catch (IOException writeFailed) {
            in.readLine();
            throw writeFailed;
        }
        return in.readLine();
    }

    private void report(SSLSession session, Instant now) throws IOException {
        X509Certificate peer = (X509Certificate) session.getPeerCertificates()[0];
        line("protocol", session.getProtocol() + ", " + session.getCipherSuite());
        line("peer", Certificates.subject(peer));
        line("SANs", String.join(", ", Certificates.subjectAltNames(peer)));
        line("identity", TlsReport.identityOf(peer, trustDomain));
        line("issuer", peer.getIssuerX500Principal().getName());
        line("valid", Certificates.validity(peer, now));
    }

    private void line(String label, String value) {
        out.printf("    %-8s %s%n", label, value);
    }
}
