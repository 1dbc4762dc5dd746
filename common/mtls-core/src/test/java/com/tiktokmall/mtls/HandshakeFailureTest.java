package com.tiktokmall.mtls;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

import java.io.EOFException;
import java.io.IOException;
import java.net.SocketException;
import java.security.cert.CertificateException;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLHandshakeException;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * JSSE's and BoringSSL's handshake failures, as their messages read, turned into reasons; the
 * handshakes that raise them for real are in {@code DiagnosingTrustManagerTest} and the server tests.
 */
class HandshakeFailureTest {
    @ParameterizedTest
    @CsvSource(delimiter = '|', textBlock = """
            Empty client certificate chain                                              | peer presented no certificate
            Empty server certificate chain                                              | peer presented no certificate
            error:10000412:SSL routines:OPENSSL_internal:PEER_DID_NOT_RETURN_A_CERTIFICATE | peer presented no certificate
            Client requested protocol TLSv1.1 is not enabled or supported in server context | protocol TLSv1.1 refused
            No appropriate protocol (protocol is disabled or cipher suites are inappropriate) | no protocol in common with the peer (only TLSv1.3 and TLSv1.2 are enabled here)
            error:100000f0:SSL routines:OPENSSL_internal:UNSUPPORTED_PROTOCOL            | no protocol in common with the peer (only TLSv1.3 and TLSv1.2 are enabled here)
            Unsupported or unrecognized SSL message                                     | the peer does not speak TLS (plain HTTP sent to a TLS port?)
            plaintext connection?                                                       | the peer does not speak TLS (plain HTTP sent to a TLS port?)
            Unable to parse TLS packet header                                           | the peer does not speak TLS (plain HTTP sent to a TLS port?)
            error:100000b8:SSL routines:OPENSSL_internal:HTTP_REQUEST                    | the peer does not speak TLS (plain HTTP sent to a TLS port?)
            Broken pipe                                                                 | the peer closed the connection during the handshake: it most likely refused this side's certificate (the peer's log says why)
            Connection reset                                                            | the peer closed the connection during the handshake: it most likely refused this side's certificate (the peer's log says why)
            Remote host terminated the handshake                                        | the peer closed the connection during the handshake: it most likely refused this side's certificate (the peer's log says why)
            Received fatal alert: certificate_required                                  | the peer requires a client certificate and none was sent
            Received fatal alert: bad_certificate                                       | the peer refused this side's certificate
            Received fatal alert: certificate_unknown                                   | the peer refused this side's certificate
            Received fatal alert: unknown_ca                                            | the peer does not trust the CA that issued this side's certificate
            Received fatal alert: certificate_expired                                   | the peer says this side's certificate has expired
            Received fatal alert: certificate_revoked                                   | the peer says this side's certificate is revoked
            Received fatal alert: protocol_version                                      | the peer refused the protocol version (only TLSv1.3 and TLSv1.2 are enabled here)
            Received fatal alert: handshake_failure                                     | no protocol or cipher suite in common with the peer
            Received fatal alert: decrypt_error                                         | the peer ended the handshake with alert decrypt_error
            error:10000412:SSL routines:OPENSSL_internal:SSLV3_ALERT_BAD_CERTIFICATE     | the peer refused this side's certificate
            error:10000418:SSL routines:OPENSSL_internal:TLSV1_ALERT_UNKNOWN_CA          | the peer does not trust the CA that issued this side's certificate
            error:1000045c:SSL routines:OPENSSL_internal:TLSV13_ALERT_CERTIFICATE_REQUIRED | the peer requires a client certificate and none was sent
            error:10000432:SSL routines:OPENSSL_internal:TLSV1_ALERT_DECODE_ERROR        | the peer ended the handshake with alert decode_error
            """)
    void explainsEveryKnownFailureInPlainWords(String message, String reason) {
        assertThat(HandshakeFailure.explain(new SSLHandshakeException(message))).isEqualTo(reason);
    }

    @Test
    void findsTheTlsFailureAmongTheCauses() {
        IOException wrapped = new IOException("Error writing to server",
                new SSLException("connection failed", new SocketException("Connection reset")));

        assertThat(HandshakeFailure.explain(wrapped)).startsWith("the peer closed the connection during the handshake");
    }

    @Test
    void theTrustManagersReasonIsTakenAsItIs() {
        PeerCertificateException reason = new PeerCertificateException(
                "peer certificate 'gateway' expired at 2026-01-01T00:00:00Z", new CertificateException("PKIX failure"));

        assertThat(HandshakeFailure.explain(new SSLHandshakeException("handshake failed").initCause(reason)))
                .isEqualTo("peer certificate 'gateway' expired at 2026-01-01T00:00:00Z");
    }

    @Test
    void anUnknownFailureIsToldByItsInnermostMessage() {
        IOException failure = new IOException("request failed", new IOException("Read timed out"));

        assertThat(HandshakeFailure.explain(failure)).isEqualTo("Read timed out");
    }

    @Test
    void anInnermostFailureWithoutMessageIsNamedByItsType() {
        assertThat(HandshakeFailure.explain(new IOException("request failed", new EOFException())))
                .isEqualTo("EOFException");
    }
}
