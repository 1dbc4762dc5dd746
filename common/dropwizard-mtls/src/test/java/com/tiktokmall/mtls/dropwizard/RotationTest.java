package com.tiktokmall.mtls.dropwizard;

import com.tiktokmall.mtls.testing.EchoApplication;
import com.tiktokmall.mtls.testing.Handshakes;
import com.tiktokmall.mtls.testing.MtlsTestClient.Reply;
import com.tiktokmall.mtls.testing.MtlsTestClient;
import com.tiktokmall.mtls.testing.RawHttps;
import com.tiktokmall.mtls.testing.TestCa;
import com.tiktokmall.mtls.testing.TestCert;
import com.tiktokmall.mtls.testing.TestPki;
import io.dropwizard.client.JerseyClientConfiguration;
import io.dropwizard.testing.DropwizardTestSupport;
import io.dropwizard.testing.ResourceHelpers;
import io.dropwizard.util.Duration;
import jakarta.ws.rs.client.Client;
import jakarta.ws.rs.core.GenericType;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** A running service takes new certificates, trust and CRLs from its files, without a restart. */
class RotationTest {
    private static final String CONFIG = ResourceHelpers.resourceFilePath("echo.yml");
    /** One reload interval (1 s) and room for a loaded machine. */
    private static final long WITHIN_SECONDS = 6;

    private final TestPki pki = TestPki.create();
    private DropwizardTestSupport<EchoApplication.EchoConfiguration> app;

    @AfterEach
    void stop() {
        if (app != null) {
            app.after();
        }
    }

    @Test
    void aRewrittenServerCertificateIsServedWithinOneInterval() throws Exception {
        start(pki.tlsSettings("echo"));
        BigInteger first = servedSerial();

        TestCert renewed = pki.issue("echo");

        await().atMost(WITHIN_SECONDS, TimeUnit.SECONDS).until(() -> servedSerial().equals(renewed.certificate().getSerialNumber()));
        assertThat(first).isNotEqualTo(renewed.certificate().getSerialNumber());
        assertThat(app.getEnvironment().metrics().counter("tls.reloads.succeeded").getCount()).isEqualTo(1);
    }

    @Test
    void theClientPresentsItsNewCertificateAfterAReload() throws Exception {
        Map<String, String> settings = pki.tlsSettings("echo");
        pki.write("client", pki.ca().leaf("echo").issue());
        settings.put("tls.client_cert", pki.certFile("client").toString());
        settings.put("tls.client_key", pki.keyFile("client").toString());
        start(settings);
        JerseyClientConfiguration configuration = new JerseyClientConfiguration();
        configuration.setKeepAlive(Duration.seconds(30));
        configuration.setTimeout(Duration.seconds(5));
        Client client = app.<EchoApplication>getApplication().mtls.clientBuilder(app.getEnvironment())
                .using(configuration).build("rotation-client");
        String url = "https://localhost:" + app.getLocalPort() + "/whoami";
        String before = client.target(url).request().get(new GenericType<Map<String, Object>>() { }).get("serial").toString();

        TestCert renewed = pki.write("client", pki.ca().leaf("echo").issue());

        await().atMost(WITHIN_SECONDS, TimeUnit.SECONDS).until(() -> client.target(url).request()
                .get(new GenericType<Map<String, Object>>() { }).get("serial")
                .equals(renewed.certificate().getSerialNumber().toString(16)));
        assertThat(before).isNotEqualTo(renewed.certificate().getSerialNumber().toString(16));
        client.close();
    }

    @Test
    void aBrokenFileKeepsTheOldCertificateTurnsHealthUnhealthyAndRecovers() throws Exception {
        start(pki.tlsSettings("echo"));
        BigInteger served = servedSerial();
        MtlsTestClient gateway = MtlsTestClient.as(pki.issue("gateway"), pki.ca());
        String health = "https://localhost:" + app.getAdminPort() + "/healthcheck";
        assertThat(gateway.get(health).json().path("tls").path("healthy").asBoolean()).isTrue();

        Files.writeString(pki.keyFile("echo"), "-----BEGIN PRIVATE KEY-----\nbroken\n-----END PRIVATE KEY-----\n");

        await().atMost(WITHIN_SECONDS, TimeUnit.SECONDS).untilAsserted(() -> {
            Reply reply = gateway.get(health);
            assertThat(reply.status()).isEqualTo(500);
            assertThat(reply.json().path("tls").path("healthy").asBoolean()).isFalse();
            assertThat(reply.json().path("tls").path("message").asText())
                    .contains("the last reload failed", "tls.server_key (" + pki.keyFile("echo") + ")");
        });
        assertThat(servedSerial()).isEqualTo(served);
        assertThat(app.getEnvironment().metrics().counter("tls.reloads.failed").getCount()).isEqualTo(1);

        TestCert fixed = pki.issue("echo");
        await().atMost(WITHIN_SECONDS, TimeUnit.SECONDS).untilAsserted(() -> {
            assertThat(gateway.get(health).json().path("tls").path("healthy").asBoolean()).isTrue();
            assertThat(servedSerial()).isEqualTo(fixed.certificate().getSerialNumber());
        });
    }

    @Test
    void theReloadTaskTakesNewFilesAtOnce() throws Exception {
        Map<String, String> settings = pki.tlsSettings("echo");
        settings.put("tls.reload_interval", "1 hour");
        start(settings);
        TestCert renewed = pki.issue("echo");

        Reply reply = MtlsTestClient.as(pki.issue("ops"), pki.ca())
                .post("https://localhost:" + app.getAdminPort() + "/tasks/reload-tls?force=true");

        assertThat(reply.status()).isEqualTo(200);
        assertThat(reply.body()).startsWith("reloaded: server 'echo' serial " + renewed.certificate().getSerialNumber().toString(16));
        assertThat(servedSerial()).isEqualTo(renewed.certificate().getSerialNumber());
    }

    @Test
    void aCaRemovedFromTheBundleIsNoLongerHonouredOnOpenConnectionsOnceTheirRequestCompletes() throws Exception {
        TestCa old = TestCa.create("Old CA");
        Map<String, String> settings = pki.tlsSettings("echo");
        settings.put("tls.ca_cert", TestCert.writeCertificates(pki.dir().resolve("bundle.pem"), pki.ca().certificate(),
                old.certificate()).toString());
        start(settings);
        TestCert oldGateway = old.leaf("gateway").issue();
        SSLContext oldClient = oldGateway.rawClientContext(pki.ca().certificate());
        RawHttps.KeepAlive idle = RawHttps.keepAlive(oldClient, "localhost", app.getLocalPort());
        RawHttps.KeepAlive busy = RawHttps.keepAlive(oldClient, "localhost", app.getLocalPort());
        assertThat(idle.get("/whoami").status()).isEqualTo(200);
        EchoApplication.Gate gate = EchoApplication.HELD.arm();
        CompletableFuture<RawHttps.Response> inFlight = CompletableFuture.supplyAsync(() -> {
            try {
                return busy.get("/whoami/held");
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
        gate.awaitArrival();

        TestCert.writeCertificates(pki.dir().resolve("bundle.pem"), pki.ca().certificate());

        await().atMost(WITHIN_SECONDS, TimeUnit.SECONDS).until(idle::closedByServer);
        assertThat(inFlight).as("the request is still held in flight after the swap").isNotDone();
        gate.release();
        RawHttps.Response completed = inFlight.get(10, TimeUnit.SECONDS);
        assertThat(completed.status()).as("the in-flight request completes").isEqualTo(200);
        assertThat(completed.json().path("held").asBoolean()).isTrue();
        await().atMost(WITHIN_SECONDS, TimeUnit.SECONDS).until(busy::closedByServer);
        Handshakes.assertRefusedDuringHandshake(oldClient, app.getLocalPort());
        assertThat(MtlsTestClient.as(pki.issue("gateway"), pki.ca())
                .get("https://localhost:" + app.getLocalPort() + "/whoami").status()).isEqualTo(200);
    }

    @Test
    void aRevokedClientCertificateIsRefusedAndItsOpenConnectionClosed() throws Exception {
        TestCert revoked = pki.issue("gateway");
        TestCert kept = pki.ca().leaf("gateway").issue();
        Path crl = TestCert.writeCrls(pki.dir().resolve("crl.pem"), pki.ca().crl());
        Map<String, String> settings = pki.tlsSettings("echo");
        settings.put("tls.crl", crl.toString());
        start(settings);
        RawHttps.KeepAlive open = RawHttps.keepAlive(revoked.rawClientContext(pki.ca().certificate()), "localhost",
                app.getLocalPort());
        assertThat(open.get("/whoami").status()).isEqualTo(200);

        TestCert.writeCrls(crl, pki.ca().crl(revoked.certificate()));

        await().atMost(WITHIN_SECONDS, TimeUnit.SECONDS).until(open::closedByServer);
        Handshakes.assertRefusedDuringHandshake(revoked.rawClientContext(pki.ca().certificate()), app.getLocalPort());
        assertThat(MtlsTestClient.as(kept, pki.ca()).get("https://localhost:" + app.getLocalPort() + "/whoami")
                .status()).isEqualTo(200);
    }

    @Test
    void refusedHandshakesAreCounted() throws Exception {
        start(pki.tlsSettings("echo"));

        Handshakes.assertRefusedDuringHandshake(TestCert.anonymousClientContext(pki.ca().certificate()), app.getLocalPort());
        await().atMost(WITHIN_SECONDS, TimeUnit.SECONDS).until(() ->
                app.getEnvironment().metrics().meter("tls.handshakes.failed").getCount() == 1);
    }

    private void start(Map<String, String> settings) throws Exception {
        settings.putIfAbsent("tls.reload_interval", "1s");
        app = new DropwizardTestSupport<>(EchoApplication.class, CONFIG, TestPki.overrides(settings));
        app.before();
    }

    /** The serial of the certificate a fresh handshake shows. */
    private BigInteger servedSerial() throws IOException {
        try (RawHttps.KeepAlive connection = RawHttps.keepAlive(pki.issue("probe").rawClientContext(pki.ca().certificate()),
                "localhost", app.getLocalPort())) {
            return ((X509Certificate) connection.session().getPeerCertificates()[0]).getSerialNumber();
        }
    }
}
