package com.tiktokmall.mtls.dropwizard.server;

import com.tiktokmall.mtls.MtlsContext;
import com.tiktokmall.mtls.TrustBundle;
import com.tiktokmall.mtls.testing.EchoService;
import com.tiktokmall.mtls.testing.MutableClock;
import com.tiktokmall.mtls.testing.RawHttps;
import com.tiktokmall.mtls.testing.TestCert;
import com.tiktokmall.mtls.testing.TestPki;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A client certificate that expires stops working at once: on open connections and on resumed
 * sessions. Expiry is the service's clock moving past the certificate's notAfter: nothing waits.
 */
class ExpiredPeerTest {
    private static final Duration LIFETIME = Duration.ofMinutes(10);

    private final TestPki pki = TestPki.create();
    private final MutableClock clock = MutableClock.startingNow();
    private EchoService app;

    @AfterEach
    void stop() {
        if (app != null) {
            app.close();
        }
    }

    @Test
    void aRequestOnAKeepAliveConnectionIsRefusedOnceTheClientCertificateHasExpired() throws Exception {
        start("1 hour"); // no periodic sweep: the request itself is refused
        TestCert shortLived = shortLivedGateway();
        try (RawHttps.KeepAlive connection = RawHttps.keepAlive(client(shortLived, "TLSv1.3"), "localhost", app.port())) {
            assertThat(connection.get("/whoami").status()).isEqualTo(200);

            expire(shortLived);

            assertThat(connection.get("/whoami").status()).isEqualTo(403);
            await().atMost(5, TimeUnit.SECONDS).until(connection::closedByServer);
        }
    }

    @Test
    void anIdleConnectionOfAnExpiredClientIsClosedWithinOneReloadInterval() throws Exception {
        start("1s");
        TestCert shortLived = shortLivedGateway();
        try (RawHttps.KeepAlive connection = RawHttps.keepAlive(client(shortLived, "TLSv1.3"), "localhost", app.port())) {
            assertThat(connection.get("/whoami").status()).isEqualTo(200);
            assertThat(connection.closedByServer()).isFalse();

            expire(shortLived);

            await().atMost(5, TimeUnit.SECONDS).until(connection::closedByServer);
        }
    }

    @Test
    void aTls12SessionResumedAfterTheCertificateExpiredIsClosedBeforeAnyRequest() throws Exception {
        start("1 hour"); // no periodic sweep: the resumed handshake itself is caught
        TestCert shortLived = shortLivedGateway();
        javax.net.ssl.SSLContext tls12 = client(shortLived, "TLSv1.2");
        long first;
        try (RawHttps.KeepAlive connection = RawHttps.keepAlive(tls12, "localhost", app.port())) {
            assertThat(connection.get("/whoami").status()).isEqualTo(200);
            first = connection.session().getCreationTime();
        }
        try (RawHttps.KeepAlive resumed = RawHttps.keepAlive(tls12, "localhost", app.port())) {
            // every engine resumes it: Conscrypt's server issues tickets too (ServerSslContextFactory)
            assertThat(resumed.session().getCreationTime()).as("resumed while valid").isEqualTo(first);
            assertThat(resumed.get("/whoami").status()).isEqualTo(200);
        }

        expire(shortLived);

        String answer;
        try (RawHttps.KeepAlive afterExpiry = RawHttps.keepAlive(tls12, "localhost", app.port())) {
            answer = afterExpiry.get("/whoami").toString();
        } catch (IOException refused) {
            answer = "refused: " + refused;
        }
        assertThat(answer).as("closed without serving, not even a 403").startsWith("refused: ");
    }

    private void start(String reloadInterval) throws Exception {
        Map<String, String> settings = pki.tlsSettings("echo");
        settings.put("tls.reload_interval", reloadInterval);
        app = EchoService.clocked(clock, "echo.yml", settings);
    }

    private TestCert shortLivedGateway() {
        Instant now = clock.instant();
        return pki.ca().leaf("gateway").validity(now.minus(Duration.ofMinutes(1)), now.plus(LIFETIME)).issue();
    }

    private javax.net.ssl.SSLContext client(TestCert cert, String protocol) {
        // The client may present what it likes: its context is built while the certificate is valid.
        return MtlsContext.forClient(cert.identity()).trust(TrustBundle.of(List.of(pki.ca().certificate())))
                .protocols(List.of(protocol)).build().sslContext();
    }

    /** The service's clock passes the certificate's notAfter (the client's own clock never does). */
    private void expire(TestCert cert) {
        clock.advance(Duration.between(clock.instant(), cert.certificate().getNotAfter().toInstant()).plusSeconds(1));
    }

}
