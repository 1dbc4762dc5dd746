package com.tiktokmall.mtls.dropwizard.server;

import com.tiktokmall.mtls.dropwizard.client.ClosedConnectionRetry;
import com.tiktokmall.mtls.testing.EchoApplication;
import com.tiktokmall.mtls.testing.EchoService;
import com.tiktokmall.mtls.testing.Handshakes;
import com.tiktokmall.mtls.testing.RawHttps;
import com.tiktokmall.mtls.testing.TestCa;
import com.tiktokmall.mtls.testing.TestCert;
import com.tiktokmall.mtls.testing.TestPki;
import org.apache.hc.client5.http.classic.methods.HttpGet;
import org.apache.hc.client5.http.classic.methods.HttpPost;
import org.apache.hc.client5.http.classic.methods.HttpUriRequestBase;
import org.apache.hc.client5.http.config.ConnectionConfig;
import org.apache.hc.client5.http.impl.classic.CloseableHttpClient;
import org.apache.hc.client5.http.impl.classic.HttpClients;
import org.apache.hc.client5.http.impl.io.PoolingHttpClientConnectionManager;
import org.apache.hc.client5.http.impl.io.PoolingHttpClientConnectionManagerBuilder;
import org.apache.hc.client5.http.protocol.HttpClientContext;
import org.apache.hc.client5.http.ssl.DefaultClientTlsStrategy;
import org.apache.hc.core5.http.ContentType;
import org.apache.hc.core5.http.io.entity.EntityUtils;
import org.apache.hc.core5.http.io.entity.StringEntity;
import org.apache.hc.core5.util.TimeValue;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import javax.net.ssl.SSLContext;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Step 3 of a CA rotation (ca_cert becomes the new CA alone) on a service with connections open
 * from callers whose certificates come from the old CA: no call is lost. The request in flight is
 * answered, with {@code Connection: close}, and nothing else is read from its connection; idle
 * connections are closed at once; and a keep-alive caller that retries as the services' clients do
 * ({@link ClosedConnectionRetry}) sees no failed call. Nothing waits on a timer: the request in
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
    void aKeepAliveCallerBusyThroughStep3LosesNoCall() throws Exception {
        startAfterStep2();
        SSLContext oldLeaf = pki.ca().leaf("gateway").issue().rawClientContext(next.certificate());
        SSLContext newLeaf = next.leaf("gateway").issue().rawClientContext(next.certificate());
        String url = "https://localhost:" + app.port() + ECHO;
        try (Gateway gateway = new Gateway(oldLeaf); Gateway busy = new Gateway(oldLeaf)) {
            // Two pooled connections of the old CA: one held in flight through step 3, one idle.
            EchoApplication.Gate gate = EchoApplication.HELD.arm();
            CompletableFuture<Call> held = CompletableFuture.supplyAsync(() -> gateway.call(new HttpGet(url + "/held")));
            gate.awaitArrival();
            Call before = gateway.call(new HttpGet(url));
            assertThat(before.status()).isEqualTo(200);
            // Callers busy on connections of their own, each its own pool, through step 3.
            Load load = new Load(busy, url).start(4);
            load.awaitCalls(20);

            // Step 2 for the callers: connections opened from now on present the new CA's leaf.
            gateway.leaf.set(newLeaf);
            busy.leaf.set(newLeaf);
            step3();
            // The idle connection was closed at once; this call goes out on it, meets it closed
            // before any response and is sent again on a new connection.
            Call after = gateway.call(new HttpGet(url));
            gate.release();
            load.awaitCalls(load.calls() + 20);
            load.stop();

            assertThat(after.status()).as("the call on the connection closed meanwhile").isEqualTo(200);
            assertThat(before.presented()).as("the connection closed meanwhile").isEqualTo(pki.ca().certificate()
                    .getSubjectX500Principal().getName());
            assertThat(after.presented()).as("answered on a new connection, with the new leaf")
                    .isEqualTo(next.certificate().getSubjectX500Principal().getName());
            assertThat(gateway.retry.retried()).as("sent once more").isEqualTo(1);
            Call answered = held.get(10, TimeUnit.SECONDS);
            assertThat(answered.status()).as("the call in flight").isEqualTo(200);
            assertThat(answered.connection()).isEqualTo("close");
            assertThat(load.failures()).as("failed calls of the busy callers").isEmpty();
            assertThat(gateway.call(new HttpGet(url)).status()).isEqualTo(200);
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

    /** One call's outcome: status, the Connection header, and the issuer of the leaf its connection presented. */
    record Call(int status, String connection, String presented) {
    }

    /**
     * A gateway's keep-alive pool, as {@code ReconnectStorm}'s: connections opened present the
     * leaf of {@link #leaf}, and calls are retried as the services' clients retry them.
     */
    private static final class Gateway implements AutoCloseable {
        final AtomicReference<SSLContext> leaf;
        final ClosedConnectionRetry retry = new ClosedConnectionRetry(true, null, () -> { });
        private final CloseableHttpClient http;

        Gateway(SSLContext first) {
            this.leaf = new AtomicReference<>(first);
            PoolingHttpClientConnectionManager pool = PoolingHttpClientConnectionManagerBuilder.create()
                    .setMaxConnPerRoute(8).setMaxConnTotal(8)
                    .setTlsSocketStrategy((socket, target, port, attachment, context) -> {
                        ClosedConnectionRetry.opened(context);
                        return new DefaultClientTlsStrategy(leaf.get()).upgrade(socket, target, port, attachment, context);
                    })
                    .build();
            // No check before reuse of its own (as with a long validateAfterInactivityPeriod).
            pool.setConnectionConfigResolver(retry.connectionConfig(ConnectionConfig.custom()
                    .setValidateAfterInactivity(TimeValue.ofMinutes(10)).build()));
            this.http = HttpClients.custom().setConnectionManager(pool).disableConnectionState().setRetryStrategy(retry)
                    .build();
        }

        Call call(HttpUriRequestBase request) {
            HttpClientContext context = HttpClientContext.create();
            try {
                return http.execute(request, context, response -> {
                    EntityUtils.consume(response.getEntity());
                    return new Call(response.getCode(), response.getFirstHeader("Connection") == null ? null
                            : response.getFirstHeader("Connection").getValue(),
                            ((X509Certificate) context.getSSLSession().getLocalCertificates()[0]).getIssuerX500Principal().getName());
                });
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        @Override
        public void close() throws IOException {
            http.close();
        }
    }

    /** Callers in a loop on one pool, GETs and POSTs in turn, each failure kept. */
    private static final class Load {
        private final Gateway gateway;
        private final String url;
        private final AtomicBoolean running = new AtomicBoolean(true);
        private final AtomicInteger calls = new AtomicInteger();
        private final Queue<String> failures = new ConcurrentLinkedQueue<>();
        private final List<Thread> threads = new ArrayList<>();

        Load(Gateway gateway, String url) {
            this.gateway = gateway;
            this.url = url;
        }

        Load start(int callers) {
            for (int i = 0; i < callers; i++) {
                Thread thread = new Thread(this::run, "caller-" + i);
                thread.start();
                threads.add(thread);
            }
            return this;
        }

        private void run() {
            for (int i = 0; running.get(); i++) {
                HttpUriRequestBase request = i % 2 == 0 ? new HttpGet(url) : new HttpPost(url + "/echo");
                if (request instanceof HttpPost post) {
                    post.setEntity(new StringEntity("{\"count\":" + i + "}", ContentType.APPLICATION_JSON));
                }
                try {
                    int status = gateway.call(request).status();
                    if (status != 200) {
                        failures.add(request + ": " + status);
                    }
                } catch (RuntimeException e) {
                    failures.add(request + ": " + e.getCause());
                }
                calls.incrementAndGet();
            }
        }

        int calls() {
            return calls.get();
        }

        void awaitCalls(int atLeast) {
            await().atMost(30, TimeUnit.SECONDS).until(() -> calls.get() >= atLeast);
        }

        Queue<String> failures() {
            return failures;
        }

        void stop() throws InterruptedException {
            running.set(false);
            for (Thread thread : threads) {
                thread.join();
            }
        }
    }
}
