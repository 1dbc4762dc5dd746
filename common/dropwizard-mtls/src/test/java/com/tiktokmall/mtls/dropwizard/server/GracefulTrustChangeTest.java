package com.tiktokmall.mtls.dropwizard.server;

import com.tiktokmall.mtls.testing.EchoApplication;
import com.tiktokmall.mtls.testing.EchoService;
import com.tiktokmall.mtls.testing.Handshakes;
import com.tiktokmall.mtls.testing.KeepAliveGateway;
import com.tiktokmall.mtls.testing.KeepAliveGateway.Call;
import com.tiktokmall.mtls.testing.RawHttps;
import com.tiktokmall.mtls.testing.TestCa;
import com.tiktokmall.mtls.testing.TestCert;
import com.tiktokmall.mtls.testing.TestPki;
import org.apache.hc.client5.http.classic.methods.HttpGet;
import org.apache.hc.client5.http.classic.methods.HttpPost;
import org.apache.hc.core5.http.ContentType;
import org.apache.hc.core5.http.io.entity.StringEntity;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Step 3 of a CA rotation (ca_cert becomes the new CA alone) on a service with connections open
 * from callers whose certificates come from the old CA: no call is lost. The request in flight is
 * answered, with {@code Connection: close}, and nothing else is read from its connection; idle
 * connections are closed at once; and keep-alive callers that retry as the services' clients do
 * ({@link KeepAliveGateway}) see no failed call. Nothing waits on a timer: the request in
 * flight is held by a latch, the reload is {@code reload-tls}'s, done when it returns.
 */
class GracefulTrustChangeTest {
    private static final String ECHO = "/whoami";

    private final TestPki pki = TestPki.create(); // its CA is the old one
    private final TestCa next = TestCa.create("Next CA");
    private final Path bundle = pki.dir().resolve("bundle.pem");
    private EchoService app;

    @AfterEach
    void stop() {
        EchoApplication.HELD.release();
        if (app != null) {
            app.close();
        }
    }

    @Test
    void aRequestInFlightThroughStep3IsAnsweredWithConnectionCloseAndNothingMoreIsReadFromItsConnection() throws Exception {
        startAfterStep2();
        SSLContext oldGateway = pki.ca().leaf("gateway").issue().rawClientContext(next.certificate());
        RawHttps.KeepAlive idle = RawHttps.keepAlive(oldGateway, "localhost", app.port());
        RawHttps.KeepAlive busy = RawHttps.keepAlive(oldGateway, "localhost", app.port());
        assertThat(idle.get(ECHO).status()).isEqualTo(200);
        EchoApplication.Gate gate = EchoApplication.HELD.arm();
        busy.send(ECHO + "/held");
        busy.send(ECHO); // pipelined behind the held one: it must never be read
        gate.awaitArrival();

        step3();

        await().atMost(10, TimeUnit.SECONDS).until(idle::closedByServer);
        gate.release();
        RawHttps.Response answered = busy.receive();
        assertThat(answered.status()).as("the request in flight is answered").isEqualTo(200);
        assertThat(answered.json().path("held").asBoolean()).isTrue();
        assertThat(answered.header("Connection")).as("and told that its connection closes").hasValue("close");
        assertThat(busy.closedByServer()).as("closed, without an answer to the pipelined request").isTrue();
        Handshakes.assertRefusedDuringHandshake(oldGateway, app.port());
    }

    @Test
    void keepAliveCallersBusyThroughStep3LoseNoCall() throws Exception {
        startAfterStep2();
        SSLContext oldLeaf = pki.ca().leaf("gateway").issue().rawClientContext(next.certificate());
        SSLContext newLeaf = next.leaf("gateway").issue().rawClientContext(next.certificate());
        String url = "https://localhost:" + app.port() + ECHO;
        try (KeepAliveGateway gateway = new KeepAliveGateway(oldLeaf, 8); KeepAliveGateway busy = new KeepAliveGateway(oldLeaf, 8)) {
            // Two pooled connections of the old CA: one held in flight through step 3, one idle.
            EchoApplication.Gate gate = EchoApplication.HELD.arm();
            CompletableFuture<Call> held = CompletableFuture.supplyAsync(() -> gateway.call(new HttpGet(url + "/held")));
            gate.awaitArrival();
            Call before = gateway.call(new HttpGet(url));
            // Callers busy on connections of their own (another pool), GETs and POSTs, through step 3.
            KeepAliveGateway.Callers callers = busy.callers(4, i -> i % 2 == 0 ? new HttpGet(url) : echo(url, i));
            callers.awaitMore(20, Duration.ofSeconds(30));

            // Step 2 for the callers: connections opened from now on present the new CA's leaf.
            gateway.present(newLeaf);
            busy.present(newLeaf);
            step3();
            // The idle connection was closed at once; this call goes out on it, meets it closed
            // before any response and is sent again on a new connection.
            Call after = gateway.call(new HttpGet(url));
            gate.release();
            callers.awaitMore(20, Duration.ofSeconds(30));
            callers.stop();

            String oldCa = pki.ca().certificate().getSubjectX500Principal().getName();
            String newCa = next.certificate().getSubjectX500Principal().getName();
            assertThat(before.status()).isEqualTo(200);
            assertThat(before.presentedIssuer()).as("the idle connection, of the old CA").isEqualTo(oldCa);
            assertThat(after.status()).as("the call on the connection closed meanwhile").isEqualTo(200);
            assertThat(after.presentedIssuer()).as("answered on a new connection, with the new leaf").isEqualTo(newCa);
            assertThat(gateway.retried()).as("sent once more").isEqualTo(1);
            Call answered = held.get(10, TimeUnit.SECONDS);
            assertThat(answered.status()).as("the call in flight").isEqualTo(200);
            assertThat(answered.connection()).isEqualTo("close");
            assertThat(callers.failures()).as("failed calls of the busy callers").isEmpty();
        }
    }

    /** After step 2: the service trusts both CAs and serves a leaf of the new one. */
    private void startAfterStep2() throws Exception {
        TestCert.writeCertificates(bundle, pki.ca().certificate(), next.certificate());
        Map<String, String> settings = pki.tlsSettings("echo");
        pki.write("echo", next.leaf("echo").issue());
        settings.put("tls.ca_cert", bundle.toString());
        settings.put("tls.reload_interval", "1 hour"); // the test reloads: nothing waits for a check
        app = EchoService.start("echo.yml", settings);
    }

    /** Step 3: the new CA alone, taken at once as reload-tls takes it. */
    private void step3() {
        TestCert.writeCertificates(bundle, next.certificate());
        assertThat(app.application().mtls.source().orElseThrow().reload(false, Duration.ofSeconds(10))).startsWith("reloaded");
    }

    private static HttpPost echo(String url, int count) {
        HttpPost post = new HttpPost(url + "/echo");
        post.setEntity(new StringEntity("{\"count\":" + count + "}", ContentType.APPLICATION_JSON));
        return post;
    }
}
