package com.tiktokmall.order.rotation;

import com.codahale.metrics.health.HealthCheck;
import com.tiktokmall.mtls.SpiffeId;
import com.tiktokmall.mtls.testing.FakeSpireAgent;
import com.tiktokmall.mtls.testing.MtlsTestClient;
import com.tiktokmall.mtls.testing.RawHttps;
import com.tiktokmall.mtls.testing.TestCa;
import com.tiktokmall.mtls.testing.TestCert;
import com.tiktokmall.mtls.testing.TestPki;
import com.tiktokmall.order.AuthAndOrder;
import io.dropwizard.testing.DropwizardTestSupport;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.io.IOException;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Both services take their certificates from the SPIFFE Workload API (one fake SPIRE agent each,
 * on its own Unix socket, issuing 20-second URI-only SVIDs) while a steady stream of calls runs
 * (test client -> order -> auth): three SVID rotations, a bundle rotation (new CA added, SVIDs
 * from it, old CA removed), and order's agent lost and back. Not one call may fail, and calls
 * that started after each step succeed.
 */
class WorkloadApiRotationTest {
    private static final long WITHIN_SECONDS = 10;
    private static final int CALLS_PER_STEP = 5;

    private static final SpiffeId AUTH = SpiffeId.parse("spiffe://tiktokmall.local/auth");
    private static final SpiffeId ORDER = SpiffeId.parse("spiffe://tiktokmall.local/order");
    private static final TestPki PKI = TestPki.create();
    private static final TestCa NEW_CA = TestCa.create("New CA");
    private static final Path SOCKETS = FakeSpireAgent.socketDirectory();
    private static final AuthRequestLog AUTH_REQUEST_LOG = AuthRequestLog.at(PKI.dir().resolve("auth-requests.log"));
    private static final FakeSpireAgent AUTH_AGENT = FakeSpireAgent.serving("auth", PKI.ca(), SOCKETS.resolve("auth.sock"))
            .lifetime(Duration.ofSeconds(20)).rotateEvery(Duration.ofSeconds(7));
    private static final FakeSpireAgent ORDER_AGENT = FakeSpireAgent.serving("order", PKI.ca(), SOCKETS.resolve("order.sock"))
            .lifetime(Duration.ofSeconds(20)).rotateEvery(Duration.ofSeconds(7));

    @RegisterExtension
    static final AuthAndOrder APPS = AuthAndOrder.of(PKI)
            .withAuthSettings(settings -> {
                workloadApi(settings, AUTH_AGENT.start());
                AUTH_REQUEST_LOG.configure(settings);
            })
            .withOrderSettings(settings -> workloadApi(settings, ORDER_AGENT.start()));

    @AfterAll
    static void stopAgents() {
        AUTH_AGENT.close();
        ORDER_AGENT.close();
    }

    @Test
    void svidsAndTheBundleRotateAndTheAgentComesBackWithoutAFailedCall() throws Exception {
        DropwizardTestSupport<?> auth = APPS.auth();
        DropwizardTestSupport<?> order = APPS.order();
        awaitServed(auth.getLocalPort(), AUTH_AGENT, AUTH_AGENT.current());
        awaitServed(order.getLocalPort(), ORDER_AGENT, ORDER_AGENT.current());
        // SVIDs name no host: the gateway checks the SPIFFE ID of the server instead.
        TestCert gateway = PKI.issue("gateway");
        String token = MtlsTestClient.expecting(AUTH, gateway, PKI.ca(), NEW_CA)
                .post(APPS.authUrl("/v1/tokens"), Map.of("user_id", 5)).text("token");
        OrderStream stream = new OrderStream(MtlsTestClient.expecting(ORDER, gateway, PKI.ca(), NEW_CA),
                APPS.orderUrl("/v1/orders"), token, Duration.ofSeconds(WITHIN_SECONDS));
        RawHttps.KeepAlive oldCaConnection = RawHttps.keepAlive(
                PKI.ca().leaf("gateway").issue().rawClientContext(PKI.ca().certificate()), "localhost", order.getLocalPort());
        assertThat(oldCaConnection.get("/v1/orders").status()).isEqualTo(401);
        try {
            stream.start();
            stream.awaitSucceededSince(stream.mark(), CALLS_PER_STEP);

            // Three SVID rotations of both services, pushed by their agents.
            for (int i = 0; i < 3; i++) {
                TestCert authSvid = AUTH_AGENT.rotate();
                TestCert orderSvid = ORDER_AGENT.rotate();
                awaitServed(auth.getLocalPort(), AUTH_AGENT, authSvid);
                awaitServed(order.getLocalPort(), ORDER_AGENT, orderSvid);
                awaitPresentedToAuth(orderSvid);
                stream.awaitSucceededSince(stream.mark(), CALLS_PER_STEP);
            }

            // Bundle rotation, step 1: the new CA joins the bundle.
            awaitServed(auth.getLocalPort(), AUTH_AGENT, AUTH_AGENT.trust(PKI.ca(), PKI.ca(), NEW_CA));
            awaitServed(order.getLocalPort(), ORDER_AGENT, ORDER_AGENT.trust(PKI.ca(), PKI.ca(), NEW_CA));
            stream.awaitSucceededSince(stream.mark(), CALLS_PER_STEP);
            // Step 2: SVIDs from the new CA; the gateway moves to a new-CA certificate too.
            TestCert authSvid = AUTH_AGENT.trust(NEW_CA, PKI.ca(), NEW_CA);
            TestCert orderSvid = ORDER_AGENT.trust(NEW_CA, PKI.ca(), NEW_CA);
            awaitServed(auth.getLocalPort(), AUTH_AGENT, authSvid);
            awaitServed(order.getLocalPort(), ORDER_AGENT, orderSvid);
            awaitPresentedToAuth(orderSvid);
            stream.use(MtlsTestClient.expecting(ORDER, NEW_CA.leaf("gateway").issue(), PKI.ca(), NEW_CA));
            stream.awaitSucceededSince(stream.mark(), CALLS_PER_STEP);
            // Step 3: the old CA leaves the bundle; connections of old-CA peers are closed.
            awaitServed(auth.getLocalPort(), AUTH_AGENT, AUTH_AGENT.trust(NEW_CA, NEW_CA));
            awaitServed(order.getLocalPort(), ORDER_AGENT, ORDER_AGENT.trust(NEW_CA, NEW_CA));
            await().atMost(WITHIN_SECONDS, TimeUnit.SECONDS).until(oldCaConnection::closedByServer);
            stream.awaitSucceededSince(stream.mark(), CALLS_PER_STEP);

            // order's agent is lost: the SVID in use goes on serving, the tls health check says why.
            assertThat(tlsHealth(order).isHealthy()).isTrue();
            ORDER_AGENT.stop();
            await().atMost(WITHIN_SECONDS, TimeUnit.SECONDS).until(() -> !tlsHealth(order).isHealthy());
            X509Certificate inUse = served(order.getLocalPort());
            assertThat(tlsHealth(order).getMessage())
                    .contains("the Workload API at " + ORDER_AGENT.address() + " is unreachable since ")
                    .contains("the SVID in use expires at " + inUse.getNotAfter().toInstant());
            stream.awaitSucceededSince(stream.mark(), CALLS_PER_STEP);
            assertThat(served(order.getLocalPort())).isEqualTo(inUse);

            // ... and back: a new SVID is taken and the check is healthy again.
            TestCert fresh = ORDER_AGENT.start().current();
            awaitServed(order.getLocalPort(), ORDER_AGENT, fresh);
            await().atMost(WITHIN_SECONDS, TimeUnit.SECONDS).until(() -> tlsHealth(order).isHealthy());
            awaitPresentedToAuth(fresh);
            stream.awaitSucceededSince(stream.mark(), CALLS_PER_STEP * 4);
        } finally {
            stream.stop();
        }

        assertThat(stream.failures()).isEmpty();
        assertThat(AUTH_AGENT.refusedCalls() + ORDER_AGENT.refusedCalls()).isZero();
    }

    /** The service reads nothing from files: the file settings of its YAML are emptied. */
    private static void workloadApi(Map<String, String> settings, FakeSpireAgent agent) {
        settings.put("tls.source.type", "workload_api");
        settings.put("tls.source.socket", agent.address().toString());
        settings.put("tls.source.timeout", "5s");
        for (String file : new String[] {"ca_cert", "server_cert", "server_key", "client_cert", "client_key"}) {
            settings.put("tls." + file, "");
        }
        settings.put("tls.reload_interval", "1s");
    }

    private static HealthCheck.Result tlsHealth(DropwizardTestSupport<?> app) {
        return app.getEnvironment().healthChecks().runHealthCheck("tls");
    }

    /** The server presents {@code svid}, or one its agent issued later, to a new connection in time. */
    private static void awaitServed(int port, FakeSpireAgent agent, TestCert svid) {
        await().atMost(WITHIN_SECONDS, TimeUnit.SECONDS).until(() -> {
            try {
                return agent.serialsSince(svid).contains(served(port).getSerialNumber());
            } catch (IOException probeRefused) {
                return false;
            }
        });
    }

    /** The certificate the server presents to a new connection. */
    private static X509Certificate served(int port) throws IOException {
        TestCert probe = NEW_CA.leaf("probe").issue();
        try (RawHttps.KeepAlive connection = RawHttps.keepAlive(probe.rawClientContext(PKI.ca().certificate(),
                NEW_CA.certificate()), "localhost", port)) {
            return (X509Certificate) connection.session().getPeerCertificates()[0];
        }
    }

    /** auth's request log shows order's token verifications made with this SVID (or a later one). */
    private static void awaitPresentedToAuth(TestCert orderSvid) {
        await().atMost(WITHIN_SECONDS, TimeUnit.SECONDS).until(() -> ORDER_AGENT.serialsSince(orderSvid).stream()
                .anyMatch(serial -> AUTH_REQUEST_LOG.showsVerifyBy(serial.toString(16))));
    }
}
