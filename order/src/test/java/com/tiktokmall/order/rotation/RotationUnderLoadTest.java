package com.tiktokmall.order.rotation;

import com.tiktokmall.auth.AuthConfiguration;
import com.tiktokmall.mtls.testing.MtlsTestClient.Reply;
import com.tiktokmall.mtls.testing.MtlsTestClient;
import com.tiktokmall.mtls.testing.RawHttps;
import com.tiktokmall.mtls.testing.SecretMount;
import com.tiktokmall.mtls.testing.TestCa;
import com.tiktokmall.mtls.testing.TestCert;
import com.tiktokmall.mtls.testing.TestPki;
import com.tiktokmall.order.AuthAndOrder;
import com.tiktokmall.order.OrderConfiguration;
import com.tiktokmall.order.OrderFixture;
import io.dropwizard.testing.DropwizardTestSupport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.cert.X509Certificate;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A steady stream of calls (test client -> order -> auth) while the leaves are rotated (auth's by
 * rewriting its files in place, order's by Kubernetes-style symlink swaps) and then the CA, in
 * three steps: old+new CA trusted, new leaves, only the new CA trusted. Not one call may fail, and
 * calls that started after each step (the last one included) succeed.
 */
class RotationUnderLoadTest {
    /** Both services check their files every second; one interval plus room for a busy machine. */
    private static final long WITHIN_SECONDS = 6;
    /** Successful calls required of those started after each step: proof that calls went on across it. */
    private static final int CALLS_PER_STEP = 5;
    private static final int CALLS_AFTER_THE_LAST_STEP = 20;

    private static final TestPki PKI = TestPki.create();
    private static final TestCa NEW_CA = TestCa.create("New CA");
    private static final SecretMount ORDER_MOUNT = SecretMount.in(PKI.dir().resolve("order-secret"));
    private static final Path AUTH_BUNDLE = PKI.dir().resolve("auth-ca.pem");
    private static final Path AUTH_REQUEST_LOG = PKI.dir().resolve("auth-requests.log");

    @RegisterExtension
    static final AuthAndOrder APPS = AuthAndOrder.of(PKI)
            .withAuthSettings(RotationUnderLoadTest::authSettings)
            .withOrderSettings(RotationUnderLoadTest::orderSettings);

    @Test
    void leavesAndTheCaRotateUnderLoadWithoutAFailedCall() throws Exception {
        DropwizardTestSupport<AuthConfiguration> auth = APPS.auth();
        DropwizardTestSupport<OrderConfiguration> order = APPS.order();
        MtlsTestClient oldGateway = MtlsTestClient.as(PKI.issue("gateway"), PKI.ca(), NEW_CA);
        String token = oldGateway.post(APPS.authUrl("/v1/tokens"), Map.of("user_id", 3)).text("token");
        Stream stream = new Stream(oldGateway, APPS.orderUrl("/v1/orders"), token);
        RawHttps.KeepAlive oldCaConnection = RawHttps.keepAlive(
                PKI.ca().leaf("gateway").issue().rawClientContext(PKI.ca().certificate()), "localhost", order.getLocalPort());
        assertThat(oldCaConnection.get("/v1/orders").status()).isEqualTo(401);
        try {
            stream.start();
            stream.awaitSucceededSince(stream.mark(), CALLS_PER_STEP);

            // Leaves, same CA: auth's files rewritten in place, order's swapped in through ..data.
            TestCert authLeaf = PKI.issue("auth");
            awaitServed(auth.getLocalPort(), authLeaf);
            TestCert orderLeaf = publishOrder(PKI.ca().leaf("order").issue(), PKI.caCert());
            awaitServed(order.getLocalPort(), orderLeaf);
            awaitPresentedToAuth(orderLeaf);
            stream.awaitSucceededSince(stream.mark(), CALLS_PER_STEP);

            // CA step 1: both services trust the old and the new CA.
            Path bothCas = TestCert.writeCertificates(PKI.dir().resolve("both-cas.pem"), PKI.ca().certificate(),
                    NEW_CA.certificate());
            long authReloads = reloads(auth);
            long orderReloads = reloads(order);
            Files.copy(bothCas, AUTH_BUNDLE, StandardCopyOption.REPLACE_EXISTING);
            publishOrder(orderLeaf, bothCas);
            awaitReload(auth, authReloads);
            awaitReload(order, orderReloads);
            stream.awaitSucceededSince(stream.mark(), CALLS_PER_STEP);

            // CA step 2: new leaves from the new CA; the gateway moves to its new certificate too.
            TestCert newAuthLeaf = PKI.write("auth", NEW_CA.leaf("auth").issue());
            TestCert newOrderLeaf = publishOrder(NEW_CA.leaf("order").issue(), bothCas);
            awaitServed(auth.getLocalPort(), newAuthLeaf);
            awaitServed(order.getLocalPort(), newOrderLeaf);
            awaitPresentedToAuth(newOrderLeaf);
            stream.use(MtlsTestClient.as(NEW_CA.leaf("gateway").issue(), PKI.ca(), NEW_CA));
            stream.awaitSucceededSince(stream.mark(), CALLS_PER_STEP);

            // CA step 3: only the new CA is trusted; connections with old-CA certificates are closed.
            Path newCaOnly = TestCert.writeCertificates(PKI.dir().resolve("new-ca.pem"), NEW_CA.certificate());
            authReloads = reloads(auth);
            orderReloads = reloads(order);
            Files.copy(newCaOnly, AUTH_BUNDLE, StandardCopyOption.REPLACE_EXISTING);
            publishOrder(newOrderLeaf, newCaOnly);
            awaitReload(auth, authReloads);
            awaitReload(order, orderReloads);
            await().atMost(WITHIN_SECONDS, TimeUnit.SECONDS).until(oldCaConnection::closedByServer);
            stream.awaitSucceededSince(stream.mark(), CALLS_AFTER_THE_LAST_STEP);
        } finally {
            stream.stop();
        }

        assertThat(stream.failures).isEmpty();
    }

    private static void authSettings(Map<String, String> settings) {
        try {
            Files.copy(PKI.caCert(), AUTH_BUNDLE, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        settings.put("tls.ca_cert", AUTH_BUNDLE.toString());
        settings.put("tls.reload_interval", "1s");
        settings.put("server.requestLog.appenders[0].type", "file");
        settings.put("server.requestLog.appenders[0].currentLogFilename", AUTH_REQUEST_LOG.toString());
        settings.put("server.requestLog.appenders[0].archive", "false");
    }

    private static void orderSettings(Map<String, String> settings) {
        publishOrder(PKI.issue("order"), PKI.caCert());
        settings.put("tls.ca_cert", ORDER_MOUNT.file("ca.pem").toString());
        for (String role : new String[] {"server", "client"}) {
            settings.put("tls." + role + "_cert", ORDER_MOUNT.file("tls.crt").toString());
            settings.put("tls." + role + "_key", ORDER_MOUNT.file("tls.key").toString());
        }
        settings.put("tls.reload_interval", "1s");
    }

    /** Publishes a new version of order's secret: its leaf and a CA bundle. */
    private static TestCert publishOrder(TestCert leaf, Path bundle) {
        Path staged = PKI.dir().resolve("staged-" + leaf.certificate().getSerialNumber());
        leaf.writeCertificate(staged.resolve("tls.crt"));
        leaf.writeKey(staged.resolve("tls.key"));
        ORDER_MOUNT.publish(Map.of("tls.crt", staged.resolve("tls.crt"), "tls.key", staged.resolve("tls.key"),
                "ca.pem", bundle));
        return leaf;
    }

    /** The served certificate changes within one reload interval. */
    private static void awaitServed(int port, TestCert leaf) {
        BigInteger expected = leaf.certificate().getSerialNumber();
        TestCert probe = NEW_CA.leaf("probe").issue();
        await().atMost(WITHIN_SECONDS, TimeUnit.SECONDS).until(() -> {
            try (RawHttps.KeepAlive connection = RawHttps.keepAlive(probe.rawClientContext(PKI.ca().certificate(),
                    NEW_CA.certificate()), "localhost", port)) {
                return ((X509Certificate) connection.session().getPeerCertificates()[0]).getSerialNumber().equals(expected);
            } catch (IOException probeRefused) {
                return false;
            }
        });
    }

    /** auth's request log shows order's token verifications made with this certificate. */
    private static void awaitPresentedToAuth(TestCert orderLeaf) {
        String serial = orderLeaf.certificate().getSerialNumber().toString(16);
        await().atMost(WITHIN_SECONDS, TimeUnit.SECONDS).until(() -> Files.exists(AUTH_REQUEST_LOG)
                && Files.readAllLines(AUTH_REQUEST_LOG).stream().anyMatch(line ->
                line.contains("spiffe://tiktokmall.local/order " + serial + " ") && line.contains("/v1/tokens/verify")));
    }

    private static long reloads(DropwizardTestSupport<?> app) {
        return app.getEnvironment().metrics().counter("tls.reloads.succeeded").getCount();
    }

    private static void awaitReload(DropwizardTestSupport<?> app, long before) {
        await().atMost(WITHIN_SECONDS, TimeUnit.SECONDS).until(() -> reloads(app) > before);
    }

    /**
     * Places orders back to back on one client, recording every call that does not succeed, and
     * counting the successful ones by the mark that was current when they started.
     */
    private static final class Stream {
        private final AtomicReference<MtlsTestClient> client;
        private final String url;
        private final String token;
        private final AtomicBoolean running = new AtomicBoolean(true);
        private final AtomicInteger mark = new AtomicInteger();
        private final AtomicIntegerArray succeededSince = new AtomicIntegerArray(16);
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

        /** A new mark: the calls counted under it start from now on. */
        int mark() {
            return mark.incrementAndGet();
        }

        /** Waits until {@code calls} that started after {@code mark} have succeeded (or one call failed). */
        void awaitSucceededSince(int mark, int calls) {
            await(calls + " successful calls that started after mark " + mark).atMost(WITHIN_SECONDS, TimeUnit.SECONDS)
                    .until(() -> succeededSince.get(mark) >= calls || !failures.isEmpty());
            assertThat(failures).as("failed calls").isEmpty();
        }

        void stop() throws InterruptedException {
            running.set(false);
            thread.join(30_000);
        }

        private void run() {
            while (running.get()) {
                int startedUnder = mark.get();
                try {
                    Reply reply = client.get().post(url, OrderFixture.order(), "Authorization", "Bearer " + token);
                    if (reply.status() == 201) {
                        succeededSince.incrementAndGet(startedUnder);
                    } else {
                        failures.add(reply.toString());
                    }
                } catch (RuntimeException e) {
                    failures.add(e.toString());
                }
            }
        }
    }
}
