package com.tiktokmall.mtls;

import com.tiktokmall.mtls.testing.HandshakePair;
import com.tiktokmall.mtls.testing.HandshakePair.Outcome;
import com.tiktokmall.mtls.testing.MutableClock;
import com.tiktokmall.mtls.testing.TestCa;
import com.tiktokmall.mtls.testing.TestCert;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.X509ExtendedTrustManager;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The trust manager's refusals during real handshakes, over sockets and over engines, each with
 * the reason the refusing side gives: what the server logs and what the client raises.
 */
class DiagnosingTrustManagerTest {
    private static final TestCa CA = TestCa.create("Diagnosis CA");
    private static final TestCa STRANGER = TestCa.create("Stranger CA");
    private static final TrustBundle TRUST = TrustBundle.of(List.of(CA.certificate()));
    private static final MtlsContext SERVER = MtlsContext.forServer(CA.leaf("auth").issue().identity()).trust(TRUST).build();
    private static final MtlsContext CLIENT = MtlsContext.forClient(CA.leaf("order").issue().identity()).trust(TRUST).build();

    @Test
    void trustedPeersShakeHandsOverSocketsAndOverEngines() throws IOException {
        assertThat(sockets(CLIENT, SERVER).succeeded()).isTrue();
        assertThat(engines(CLIENT, SERVER).succeeded()).isTrue();
    }

    @Test
    void aServerSocketRefusesAClientOfAnotherCaSayingWhoIssuedIt() throws IOException {
        Outcome outcome = socketsWithRawClient(STRANGER.leaf("gateway").issue());

        assertThat(HandshakeFailure.explain(outcome.server())).isEqualTo("peer certificate 'gateway' is issued by"
                + " 'Stranger CA', which is not a CA in the trust bundle ('Diagnosis CA')");
        assertThat(outcome.client()).isNotNull();
    }

    @Test
    void aServerEngineRefusesAClientOfAnotherCaSayingWhoIssuedIt() {
        Outcome outcome = enginesWithRawClient(STRANGER.leaf("gateway").issue());

        assertThat(HandshakeFailure.explain(outcome.server())).isEqualTo("peer certificate 'gateway' is issued by"
                + " 'Stranger CA', which is not a CA in the trust bundle ('Diagnosis CA')");
    }

    @Test
    void anExpiredClientCertificateIsRefusedWithItsExpiry() {
        TestCert expired = CA.leaf("gateway").expired().issue();

        Outcome outcome = enginesWithRawClient(expired);

        assertThat(HandshakeFailure.explain(outcome.server()))
                .isEqualTo("peer certificate 'gateway' expired at " + expired.certificate().getNotAfter().toInstant());
    }

    @Test
    void aClientCertificateNotYetValidIsRefusedWithItsStart() {
        TestCert early = CA.leaf("gateway").notYetValid().issue();

        Outcome outcome = enginesWithRawClient(early);

        assertThat(HandshakeFailure.explain(outcome.server()))
                .isEqualTo("peer certificate 'gateway' is not valid before " + early.certificate().getNotBefore().toInstant());
    }

    @Test
    void aClientCertificateWithoutClientAuthIsRefusedForItsKeyUsage() {
        Outcome outcome = enginesWithRawClient(CA.leaf("gateway").serverAuthOnly().issue());

        assertThat(HandshakeFailure.explain(outcome.server()))
                .isEqualTo("peer certificate 'gateway' lacks the clientAuth extended key usage");
    }

    @Test
    void aRevokedClientCertificateIsRefusedWithItsSerial(@TempDir Path dir) {
        TestCert revoked = CA.leaf("gateway").issue();
        Path crl = TestCert.writeCrls(dir.resolve("crl.pem"), CA.crl(revoked.certificate()));
        MtlsContext server = MtlsContext.forServer(CA.leaf("auth").issue().identity()).trust(TRUST.withCrls(crl)).build();

        Outcome outcome = HandshakePair.overEngines(revoked.rawClientContext(CA.certificate()), new SSLParameters(),
                "localhost", server.sslContext(), server.sslParameters());

        assertThat(HandshakeFailure.explain(outcome.server())).isEqualTo("peer certificate 'gateway' (serial "
                + revoked.certificate().getSerialNumber().toString(16) + ") is revoked by the CRL of its CA");
    }

    @Test
    void aClientSocketRefusesAServerWithoutTheHostNameNamingTheSans() throws IOException {
        MtlsContext server = MtlsContext.forServer(CA.leaf("auth").sans("DNS:auth.internal").issue().identity())
                .trust(TRUST).build();

        Outcome outcome = sockets(CLIENT, server);

        assertThat(HandshakeFailure.explain(outcome.client()))
                .isEqualTo("host name localhost is not among the server certificate's SANs [DNS:auth.internal]");
    }

    @Test
    void aClientEngineRefusesAServerWithoutTheHostNameNamingTheSans() {
        MtlsContext server = MtlsContext.forServer(CA.leaf("auth").sans("DNS:auth.internal").issue().identity())
                .trust(TRUST).build();

        Outcome outcome = engines(CLIENT, server);

        assertThat(HandshakeFailure.explain(outcome.client()))
                .isEqualTo("host name localhost is not among the server certificate's SANs [DNS:auth.internal]");
    }

    @Test
    void withoutHostNameChecksAServerOfAnotherCaIsRefusedForItsIssuer() throws IOException {
        MtlsContext server = MtlsContext.forServer(STRANGER.leaf("auth").issue().identity())
                .trust(TrustBundle.of(List.of(STRANGER.certificate()))).build();
        SSLParameters noHostCheck = CLIENT.sslParameters();
        noHostCheck.setEndpointIdentificationAlgorithm(null);

        Outcome overSockets = HandshakePair.overSockets(CLIENT.sslContext(), noHostCheck, "localhost",
                server.sslContext(), server.sslParameters());
        Outcome overEngines = HandshakePair.overEngines(CLIENT.sslContext(), noHostCheck, "localhost",
                server.sslContext(), server.sslParameters());

        String reason = "peer certificate 'auth' is issued by 'Stranger CA', which is not a CA in the trust bundle"
                + " ('Diagnosis CA')";
        assertThat(HandshakeFailure.explain(overSockets.client())).isEqualTo(reason);
        assertThat(HandshakeFailure.explain(overEngines.client())).isEqualTo(reason);
    }

    @Test
    void aServerWhoseClockPassesTheClientCertificatesEndRefusesItInTheHandshake() throws IOException {
        MutableClock clock = MutableClock.startingNow();
        TestCert gateway = CA.leaf("gateway")
                .validity(clock.instant().minus(Duration.ofHours(1)), clock.instant().plus(Duration.ofHours(1))).issue();
        MtlsContext server = MtlsContext.forServer(CA.leaf("auth").issue().identity()).trust(TRUST).clock(clock).build();

        assertThat(sockets(clientOf(gateway), server).succeeded()).as("before its notAfter").isTrue();
        assertThat(engines(clientOf(gateway), server).succeeded()).as("before its notAfter").isTrue();

        clock.advance(Duration.ofHours(1).plusSeconds(1));
        Outcome overSockets = sockets(clientOf(gateway), server);
        Outcome overEngines = engines(clientOf(gateway), server);

        String reason = "peer certificate 'gateway' expired at " + gateway.certificate().getNotAfter().toInstant();
        assertThat(overSockets.succeeded()).isFalse();
        assertThat(HandshakeFailure.explain(overSockets.server())).isEqualTo(reason);
        assertThat(overEngines.succeeded()).isFalse();
        assertThat(HandshakeFailure.explain(overEngines.server())).isEqualTo(reason);
    }

    @Test
    void aServerWhoseClockIsBeforeTheClientCertificatesStartRefusesIt() throws IOException {
        MutableClock clock = MutableClock.startingNow();
        MtlsContext server = MtlsContext.forServer(CA.leaf("auth").issue().identity()).trust(TRUST).clock(clock).build();
        TestCert gateway = CA.leaf("gateway").issue();

        clock.advance(Duration.ofHours(-2));
        Outcome outcome = sockets(clientOf(gateway), server);

        assertThat(outcome.server()).as("the server refused").isNotNull();
        assertThat(HandshakeFailure.explain(outcome.server()))
                .isEqualTo("peer certificate 'gateway' is not valid before " + gateway.certificate().getNotBefore().toInstant());
    }

    @Test
    void aClientWhoseClockPassesTheServerCertificatesEndRefusesItInTheHandshake() throws IOException {
        MutableClock clock = MutableClock.startingNow();
        TestCert auth = CA.leaf("auth")
                .validity(clock.instant().minus(Duration.ofHours(1)), clock.instant().plus(Duration.ofHours(1))).issue();
        MtlsContext server = MtlsContext.forServer(auth.identity()).trust(TRUST).build();
        MtlsContext client = MtlsContext.forClient(CA.leaf("order").issue().identity()).trust(TRUST).clock(clock).build();
        assertThat(sockets(client, server).succeeded()).as("before its notAfter").isTrue();

        clock.advance(Duration.ofHours(2));
        Outcome overSockets = sockets(client, server);
        Outcome overEngines = engines(client, server);

        String reason = "peer certificate 'auth' expired at " + auth.certificate().getNotAfter().toInstant();
        assertThat(overSockets.client()).as("the client refused").isNotNull();
        assertThat(overEngines.client()).as("the client refused").isNotNull();
        assertThat(HandshakeFailure.explain(overSockets.client())).isEqualTo(reason);
        assertThat(HandshakeFailure.explain(overEngines.client())).isEqualTo(reason);
    }

    @Test
    void checksWithoutAConnectionRefuseAndExplainToo() {
        X509ExtendedTrustManager trust = TRUST.trustManager();
        X509Certificate[] stranger = STRANGER.leaf("order").issue().chain().toArray(X509Certificate[]::new);
        X509Certificate[] ours = CA.leaf("order").issue().chain().toArray(X509Certificate[]::new);

        assertThatCode(() -> trust.checkClientTrusted(ours, "UNKNOWN")).doesNotThrowAnyException();
        assertThatCode(() -> trust.checkServerTrusted(ours, "UNKNOWN")).doesNotThrowAnyException();
        assertThatThrownBy(() -> trust.checkClientTrusted(stranger, "UNKNOWN")).isInstanceOf(PeerCertificateException.class)
                .hasMessageStartingWith("peer certificate 'order' is issued by 'Stranger CA'");
        assertThatThrownBy(() -> trust.checkServerTrusted(stranger, "UNKNOWN")).isInstanceOf(PeerCertificateException.class)
                .hasMessageStartingWith("peer certificate 'order' is issued by 'Stranger CA'");
    }

    @Test
    void theClockDatesWhatPkixValidatedNotACaOfTheBundleSentAlong() {
        Instant now = Instant.now();
        TestCert outliving = CA.leaf("gateway").validity(now.minus(Duration.ofMinutes(1)), now.plus(Duration.ofDays(400)))
                .issue();
        MutableClock clock = MutableClock.startingNow();
        clock.advance(Duration.ofDays(366)); // past the CA's notAfter (365 days), within the leaf's
        X509ExtendedTrustManager trust = TRUST.trustManager(clock);

        assertThatCode(() -> trust.checkClientTrusted(new X509Certificate[] {outliving.certificate(), CA.certificate()},
                "UNKNOWN")).doesNotThrowAnyException();
        assertThatThrownBy(() -> trust.checkClientTrusted(CA.leaf("order").issue().chain().toArray(X509Certificate[]::new),
                "UNKNOWN")).hasMessageStartingWith("peer certificate 'order' expired at ");
    }

    @Test
    void conscryptsNameForTheTls13KeyExchangeIsAccepted() {
        X509Certificate[] ours = CA.leaf("auth").issue().chain().toArray(X509Certificate[]::new);

        assertThatCode(() -> TRUST.trustManager().checkServerTrusted(ours, "GENERIC")).doesNotThrowAnyException();
    }

    @Test
    void acceptsTheIssuersOfTheBundleOnly() {
        assertThat(TRUST.trustManager().getAcceptedIssuers()).containsExactly(CA.certificate());
    }

    private static Outcome sockets(MtlsContext client, MtlsContext server) throws IOException {
        return HandshakePair.overSockets(client.sslContext(), client.sslParameters(), "localhost",
                server.sslContext(), server.sslParameters());
    }

    private static Outcome engines(MtlsContext client, MtlsContext server) {
        return HandshakePair.overEngines(client.sslContext(), client.sslParameters(), "localhost",
                server.sslContext(), server.sslParameters());
    }

    /** A client context of the library presenting {@code cert}, new each time (no session to resume). */
    private static MtlsContext clientOf(TestCert cert) {
        return MtlsContext.forClient(cert.identity()).trust(TRUST).build();
    }

    /** A client presenting {@code cert} without the library's own checks, trusting our server. */
    private static Outcome socketsWithRawClient(TestCert cert) throws IOException {
        return HandshakePair.overSockets(cert.rawClientContext(CA.certificate()), new SSLParameters(), "localhost",
                SERVER.sslContext(), SERVER.sslParameters());
    }

    private static Outcome enginesWithRawClient(TestCert cert) {
        return HandshakePair.overEngines(cert.rawClientContext(CA.certificate()), new SSLParameters(), "localhost",
                SERVER.sslContext(), SERVER.sslParameters());
    }
}
