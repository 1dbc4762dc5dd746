package com.tiktokmall.order.rotation;

import com.tiktokmall.auth.AuthConfiguration;
import com.tiktokmall.auth.AuthTestApp;
import com.tiktokmall.mtls.testing.MtlsTestClient;
import com.tiktokmall.mtls.testing.MtlsTestClient.Reply;
import com.tiktokmall.mtls.testing.RawHttps;
import com.tiktokmall.mtls.testing.SecretMount;
import com.tiktokmall.mtls.testing.TestCa;
import com.tiktokmall.mtls.testing.TestCert;
import com.tiktokmall.mtls.testing.TestPki;
import com.tiktokmall.order.OrderConfiguration;
import com.tiktokmall.order.OrderTestApp;
import io.dropwizard.testing.DropwizardTestSupport;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A steady stream of calls (test client -> order -> auth) while the leaves are rotated (auth's by
 * rewriting its files in place, order's by Kubernetes-style symlink swaps) and then the CA, in
 * three steps: old+new CA trusted, new leaves, only the new CA trusted. Not one call may fail.
 */
class RotationUnderLoadTest {
    /** Both services check their files every second; one interval plus room for a busy machine. */
    private static final long WITHIN_SECONDS = 6;
    private static final Map<String, Object> ORDER = Map.of("currency", "USD", "email", "r@example.com",
            "address", Map.of("street_address", "1 Main", "city", "X", "state", "Y", "country", "US", "zip_code", "1"),
            "items", List.of(Map.of("product_id", 1, "quantity", 1, "cost", 1)));

    private final TestPki pki = TestPki.create();
    private final TestCa newCa = TestCa.create("New CA");
    private final SecretMount orderMount = SecretMount.in(pki.dir().resolve("order-secret"));
    private final Path authBundle = pki.dir().resolve("auth-ca.pem");
    private final Path authRequestLog = pki.dir().resolve("auth-requests.log");

    @Test
    void leavesAndTheCaRotateUnderLoadWithoutAFailedCall() throws Exception {
        Path data = AuthTestApp.dataDir(pki);
        DropwizardTestSupport<AuthConfiguration> auth = AuthTestApp.support(authSettings(data));
        auth.before();
        DropwizardTestSupport<OrderConfiguration> order = OrderTestApp.support(orderSettings(data, auth.getLocalPort()));
        order.before();
        MtlsTestClient oldGateway = MtlsTestClient.as(pki.issue("gateway"), pki.ca(), newCa);
        String token = oldGateway.post("https://localhost:" + auth.getLocalPort() + "/v1/tokens", Map.of("user_id", 3))
                .text("token");
        Stream stream = new Stream(oldGateway, "https://localhost:" + order.getLocalPort() + "/v1/orders", token);
        RawHttps.KeepAlive oldCaConnection = RawHttps.keepAlive(
                pki.ca().leaf("gateway").issue().rawClientContext(pki.ca().certificate()), "localhost", order.getLocalPort());
        assertThat(oldCaConnection.get("/v1/orders")).startsWith("HTTP/1.1 401");
        try {
            stream.start();

            // Leaves, same CA: auth's files rewritten in place, order's swapped in through ..data.
            TestCert authLeaf = pki.issue("auth");
            awaitServed(auth.getLocalPort(), authLeaf);
            TestCert orderLeaf = publishOrder(pki.ca().leaf("order").issue(), pki.caCert());
            awaitServed(order.getLocalPort(), orderLeaf);
            awaitPresentedToAuth(orderLeaf);

            // CA step 1: both services trust the old and the new CA.
            Path bothCas = TestCert.writeCertificates(pki.dir().resolve("both-cas.pem"), pki.ca().certificate(),
                    newCa.certificate());
            long authReloads = reloads(auth);
            long orderReloads = reloads(order);
            Files.copy(bothCas, authBundle, StandardCopyOption.REPLACE_EXISTING);
            publishOrder(orderLeaf, bothCas);
            awaitReload(auth, authReloads);
            awaitReload(order, orderReloads);

            // CA step 2: new leaves from the new CA; the gateway moves to its new certificate too.
            TestCert newAuthLeaf = pki.write("auth", newCa.leaf("auth").issue());
            TestCert newOrderLeaf = publishOrder(newCa.leaf("order").issue(), bothCas);
            awaitServed(auth.getLocalPort(), newAuthLeaf);
            awaitServed(order.getLocalPort(), newOrderLeaf);
            awaitPresentedToAuth(newOrderLeaf);
            stream.use(MtlsTestClient.as(newCa.leaf("gateway").issue(), pki.ca(), newCa));

            // CA step 3: only the new CA is trusted; connections with old-CA certificates are closed.
            Path newCaOnly = TestCert.writeCertificates(pki.dir().resolve("new-ca.pem"), newCa.certificate());
            authReloads = reloads(auth);
            orderReloads = reloads(order);
            Files.copy(newCaOnly, authBundle, StandardCopyOption.REPLACE_EXISTING);
            publishOrder(newOrderLeaf, newCaOnly);
            awaitReload(auth, authReloads);
            awaitReload(order, orderReloads);
            await().atMost(WITHIN_SECONDS, TimeUnit.SECONDS).until(oldCaConnection::closedByServer);
            Thread.sleep(1000);
        } finally {
            stream.stop();
            order.after();
            auth.after();
        }

        assertThat(stream.failures).isEmpty();
        assertThat(stream.calls.get()).isGreaterThan(50);
    }

    private Map<String, String> authSettings(Path data) throws IOException {
        Files.copy(pki.caCert(), authBundle);
        Map<String, String> settings = AuthTestApp.settings(pki, data);
        settings.put("tls.ca_cert", authBundle.toString());
        settings.put("tls.reload_interval", "1s");
        settings.put("server.requestLog.appenders[0].type", "file");
        settings.put("server.requestLog.appenders[0].currentLogFilename", authRequestLog.toString());
        settings.put("server.requestLog.appenders[0].archive", "false");
        return settings;
    }

    private Map<String, String> orderSettings(Path data, int authPort) {
        publishOrder(pki.issue("order"), pki.caCert());
        Map<String, String> settings = OrderTestApp.settings(pki, data, "https://localhost:" + authPort);
        settings.put("tls.ca_cert", orderMount.file("ca.pem").toString());
        for (String role : new String[] {"server", "client"}) {
            settings.put("tls." + role + "_cert", orderMount.file("tls.crt").toString());
            settings.put("tls." + role + "_key", orderMount.file("tls.key").toString());
        }
        settings.put("tls.reload_interval", "1s");
        return settings;
    }

    /** Publishes a new version of order's secret: its leaf and a CA bundle. */
    private TestCert publishOrder(TestCert leaf, Path bundle) {
        Path staged = pki.dir().resolve("staged-" + leaf.certificate().getSerialNumber());
        leaf.writeCertificate(staged.resolve("tls.crt"));
        leaf.writeKey(staged.resolve("tls.key"));
        orderMount.publish(Map.of("tls.crt", staged.resolve("tls.crt"), "tls.key", staged.resolve("tls.key"),
                "ca.pem", bundle));
        return leaf;
    }

    /** The served certificate changes within one reload interval. */
    private void awaitServed(int port, TestCert leaf) {
        BigInteger expected = leaf.certificate().getSerialNumber();
        TestCert probe = newCa.leaf("probe").issue();
        await().atMost(WITHIN_SECONDS, TimeUnit.SECONDS).until(() -> {
            try (RawHttps.KeepAlive connection = RawHttps.keepAlive(probe.rawClientContext(pki.ca().certificate(),
                    newCa.certificate()), "localhost", port)) {
                return ((X509Certificate) connection.session().getPeerCertificates()[0]).getSerialNumber().equals(expected);
            } catch (IOException probeRefused) {
                return false;
            }
        });
    }

    /** auth's request log shows order's token verifications made with this certificate. */
    private void awaitPresentedToAuth(TestCert orderLeaf) {
        String serial = orderLeaf.certificate().getSerialNumber().toString(16);
        await().atMost(WITHIN_SECONDS, TimeUnit.SECONDS).until(() -> Files.exists(authRequestLog)
                && Files.readAllLines(authRequestLog).stream().anyMatch(line ->
                line.contains("spiffe://tiktokmall.local/order " + serial + " ") && line.contains("/v1/tokens/verify")));
    }

    private static long reloads(DropwizardTestSupport<?> app) {
        return app.getEnvironment().metrics().counter("tls.reloads.succeeded").getCount();
    }

    private static void awaitReload(DropwizardTestSupport<?> app, long before) {
        await().atMost(WITHIN_SECONDS, TimeUnit.SECONDS).until(() -> reloads(app) > before);
    }

    /** Places orders back to back on one client, recording every call that does not succeed. */
    private static final class Stream {
        private final AtomicReference<MtlsTestClient> client;
        private final String url;
        private final String token;
        private final AtomicBoolean running = new AtomicBoolean(true);
        private final AtomicInteger calls = new AtomicInteger();
        private final ConcurrentLinkedQueue<String> failures = new ConcurrentLinkedQueue<>();
        private final Thread thread = new Thread(this::run, "rotation-stream");

        Stream(MtlsTestClient client, String url, String token) {
            this.client = new AtomicReference<>(client);
            this.url = url;
            this.token = token;
        }

        void start() {
            thread.start();
        }

        void use(MtlsTestClient next) {
            client.set(next);
        }

        void stop() throws InterruptedException {
            running.set(false);
            thread.join(30_000);
        }

        private void run() {
            while (running.get()) {
                calls.incrementAndGet();
                try {
                    Reply reply = client.get().post(url, ORDER, "Authorization", "Bearer " + token);
                    if (reply.status() != 201) {
                        failures.add(reply.toString());
                    }
                } catch (RuntimeException e) {
                    failures.add(e.toString());
                }
            }
        }
    }
}
