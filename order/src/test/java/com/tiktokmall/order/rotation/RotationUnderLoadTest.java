package com.tiktokmall.order.rotation;

import com.tiktokmall.auth.AuthConfiguration;
import com.tiktokmall.mtls.testing.KeepAliveGateway;
import com.tiktokmall.mtls.testing.MtlsTestClient;
import com.tiktokmall.mtls.testing.RawHttps;
import com.tiktokmall.mtls.testing.SecretMount;
import com.tiktokmall.mtls.testing.TestCa;
import com.tiktokmall.mtls.testing.TestCert;
import com.tiktokmall.mtls.testing.TestPki;
import com.tiktokmall.order.AuthAndOrder;
import com.tiktokmall.order.OrderConfiguration;
import io.dropwizard.testing.DropwizardTestSupport;
import org.apache.hc.client5.http.classic.methods.HttpGet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A steady stream of calls (test client -> order -> auth) while the leaves are rotated (auth's by
 * rewriting its files in place, order's by Kubernetes-style symlink swaps) and then the CA, in
 * three steps: old+new CA trusted, new leaves, only the new CA trusted. Not one call may fail, and
 * calls that started after each step (the last one included) succeed. Beside it, keep-alive callers
 * (a gateway's pool that keeps its connections of the old CA busy through step 3, and sends a call
 * again as the services' clients do) lose no call either.
 */
class RotationUnderLoadTest {
    /** Both services check their files every second; one interval plus room for a busy machine. */
    private static final long WITHIN_SECONDS = 6;
    /** Successful calls required of those started after each step: proof that calls went on across it. */
    private static final int CALLS_PER_STEP = 5;
    private static final int CALLS_AFTER_THE_LAST_STEP = 20;
    private static final int KEEP_ALIVE_CALLERS = 2;

    private static final TestPki PKI = TestPki.create();
    private static final TestCa NEW_CA = TestCa.create("New CA");
    private static final SecretMount ORDER_MOUNT = SecretMount.in(PKI.dir().resolve("order-secret"));
    private static final Path AUTH_BUNDLE = PKI.dir().resolve("auth-ca.pem");
    private static final AuthRequestLog AUTH_REQUEST_LOG = AuthRequestLog.at(PKI.dir().resolve("auth-requests.log"));

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
        OrderStream stream = new OrderStream(oldGateway, APPS.orderUrl("/v1/orders"), token, Duration.ofSeconds(WITHIN_SECONDS));
        KeepAliveGateway keepAlive = new KeepAliveGateway(PKI.ca().leaf("gateway").issue()
                .rawClientContext(PKI.ca().certificate(), NEW_CA.certificate()), KEEP_ALIVE_CALLERS);
        KeepAliveGateway.Callers callers = keepAlive.callers(KEEP_ALIVE_CALLERS, i -> {
            HttpGet list = new HttpGet(APPS.orderUrl("/v1/orders"));
            list.addHeader("Authorization", "Bearer " + token);
            return list;
        });
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
            keepAlive.present(NEW_CA.leaf("gateway").issue().rawClientContext(PKI.ca().certificate(), NEW_CA.certificate()));
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
            callers.awaitMore(CALLS_AFTER_THE_LAST_STEP, Duration.ofSeconds(WITHIN_SECONDS));
            HttpGet list = new HttpGet(APPS.orderUrl("/v1/orders"));
            list.addHeader("Authorization", "Bearer " + token);
            assertThat(keepAlive.call(list).presentedIssuer()).as("the connections of the old CA are gone")
                    .isEqualTo(NEW_CA.certificate().getSubjectX500Principal().getName());
        } finally {
            stream.stop();
            callers.stop();
            keepAlive.close();
        }

        assertThat(stream.failures()).isEmpty();
        assertThat(callers.failures()).as("failed calls of the keep-alive callers").isEmpty();
    }

    private static void authSettings(Map<String, String> settings) {
        try {
            Files.copy(PKI.caCert(), AUTH_BUNDLE, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        settings.put("tls.ca_cert", AUTH_BUNDLE.toString());
        settings.put("tls.reload_interval", "1s");
        AUTH_REQUEST_LOG.configure(settings);
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
        await().atMost(WITHIN_SECONDS, TimeUnit.SECONDS).until(() -> AUTH_REQUEST_LOG.showsVerifyBy(serial));
    }

    private static long reloads(DropwizardTestSupport<?> app) {
        return app.getEnvironment().metrics().counter("tls.reloads.succeeded").getCount();
    }

    private static void awaitReload(DropwizardTestSupport<?> app, long before) {
        await().atMost(WITHIN_SECONDS, TimeUnit.SECONDS).until(() -> reloads(app) > before);
    }
}
