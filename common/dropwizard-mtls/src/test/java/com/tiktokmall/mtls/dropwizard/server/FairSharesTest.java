package com.tiktokmall.mtls.dropwizard.server;

import com.codahale.metrics.health.HealthCheck;
import com.tiktokmall.mtls.testing.EchoApplication;
import com.tiktokmall.mtls.testing.RawHttps;
import com.tiktokmall.mtls.testing.TestPki;
import io.dropwizard.testing.ResourceHelpers;
import io.dropwizard.testing.junit5.DropwizardAppExtension;
import io.dropwizard.testing.junit5.DropwizardExtensionsSupport;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * No peer can shut out the others (step 16): a slow sender with a certificate of the CA but no
 * role here, a slow sender that holds a role, and an unauthenticated half-open flood each run
 * against the application port while a known peer makes calls from another address. Every call
 * of the known peer succeeds, and the {@code connections} health check (in {@code /readyz}) stays
 * healthy; it turns unhealthy only when the connector really is full.
 */
@ExtendWith(DropwizardExtensionsSupport.class)
class FairSharesTest {
    private static final int MAX_CONNECTIONS = 120;
    private static final int PER_PEER = 10;
    private static final int PER_ADDRESS = 10;
    private static final Duration DEADLINE = Duration.ofSeconds(2);
    /** Bounded: every attack ends within this, far below the idle timeout (30 s) that each byte restarts. */
    private static final Duration ATTACK = Duration.ofSeconds(12);
    private static final int CALLS = 10;
    private static final String GET = "GET /whoami HTTP/1.1\r\nHost: localhost\r\nX-Slow: ";
    private static final String POST = "POST /whoami/echo HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n"
            + "Content-Length: 1000\r\n\r\n{\"name\":\"";
    private static final TestPki PKI = TestPki.create();
    private static final DropwizardAppExtension<EchoApplication.EchoConfiguration> APP = new DropwizardAppExtension<>(
            EchoApplication.class, ResourceHelpers.resourceFilePath("echo.yml"), TestPki.overrides(settings()));

    private final List<Socket> attack = new ArrayList<>();

    private static Map<String, String> settings() {
        Map<String, String> settings = new HashMap<>(PKI.tlsSettings("echo"));
        settings.put("tls.handshake_timeout", DEADLINE.toSeconds() + "s");
        settings.put("limits.request_read_timeout", DEADLINE.toSeconds() + "s");
        settings.put("limits.max_connections", Integer.toString(MAX_CONNECTIONS));
        settings.put("limits.max_connections_per_peer", Integer.toString(PER_PEER));
        settings.put("limits.max_handshakes_per_address", Integer.toString(PER_ADDRESS));
        return settings;
    }

    @AfterEach
    void endTheAttack() throws IOException {
        for (Socket socket : attack) {
            socket.close();
        }
    }

    @Test
    void aPeerWithoutARoleIsAnsweredOnceAndTheConnectionClosed() throws Exception {
        SSLContext stranger = PKI.issue("stranger").rawClientContext(PKI.ca().certificate());
        try (RawHttps.KeepAlive connection = RawHttps.keepAlive(stranger, "localhost", APP.getLocalPort())) {
            RawHttps.Response answer = connection.get("/whoami");

            assertThat(answer.status()).as(answer.toString()).isEqualTo(403);
            assertThat(answer.body()).contains("spiffe://tiktokmall.local/stranger");
            assertThat(answer.header("connection")).hasValue("close");
            assertThat(connection.closedByServer()).isTrue();
        }
        SSLContext gateway = PKI.issue("gateway").rawClientContext(PKI.ca().certificate());
        try (RawHttps.KeepAlive connection = RawHttps.keepAlive(gateway, "localhost", APP.getLocalPort())) {
            assertThat(connection.get("/whoami").status()).isEqualTo(200);
            assertThat(connection.get("/whoami").status()).as("a peer with a role keeps its connection").isEqualTo(200);
        }
    }

    @Test
    void aSlowSenderWithoutARoleCannotShutOutAKnownPeer() throws Exception {
        SSLContext stranger = PKI.issue("stranger").rawClientContext(PKI.ca().certificate());
        long refusedBefore = meter("connections.refused.connections-per-peer");
        long closedBefore = meter("connections.closed.no-role");
        for (int i = 0; i < MAX_CONNECTIONS + PER_PEER; i++) { // first come, first served: the port would be full
            attack.add(handshaken(stranger, "127.0.0.2"));
        }

        AttackResult result = trickleWhileAKnownPeerCalls(GET);

        assertThat(result.failedCalls).as("calls of the known peer that failed").isEmpty();
        assertThat(result.calls).isGreaterThanOrEqualTo(CALLS);
        assertThat(result.stillOpen).as("the stranger's connections still open after the attack").isZero();
        assertThat(result.unhealthy).as("connections health check while under attack").isEmpty();
        assertThat(meter("connections.refused.connections-per-peer") - refusedBefore)
                .as("connections past the stranger's share, closed after the handshake (its own, closed for no request,"
                        + " free a few while the attack is set up)").isGreaterThanOrEqualTo(MAX_CONNECTIONS / 2);
        assertThat(meter("connections.closed.no-role") - closedBefore).as("closed for sending no request")
                .isGreaterThanOrEqualTo(1);
        SSLContext ops = PKI.issue("ops").rawClientContext(PKI.ca().certificate());
        String scrape = RawHttps.get(ops, "localhost", APP.getAdminPort(), "/prometheus").body();
        assertThat(scrape).as("counted per peer in Prometheus").containsPattern(
                "mtls_connections_refused_total\\{connector=\"application\",reason=\"connections_per_peer\","
                        + "spiffe_id=\"spiffe://tiktokmall.local/stranger\"} [1-9]");
    }

    @Test
    void aSlowSenderWithARoleIsClosedAtTheReadTimeoutInHeadersAndInBodies() throws Exception {
        SSLContext echo = PKI.issue("echo").rawClientContext(PKI.ca().certificate());
        long slowBefore = meter("connections.closed.slow-request");
        List<Socket> bodies = new ArrayList<>();
        for (int i = 0; i < PER_PEER / 2; i++) {
            attack.add(handshaken(echo, "127.0.0.3"));
            Socket body = handshaken(echo, "127.0.0.3");
            body.getOutputStream().write(POST.getBytes(StandardCharsets.US_ASCII));
            bodies.add(body);
        }

        AttackResult headers = trickleWhileAKnownPeerCalls(GET);
        attack.addAll(bodies);
        AttackResult body = trickleWhileAKnownPeerCalls("a");

        assertThat(headers.failedCalls).isEmpty();
        assertThat(body.failedCalls).isEmpty();
        assertThat(headers.stillOpen + body.stillOpen).as("slow requests still open").isZero();
        assertThat(meter("connections.closed.slow-request") - slowBefore).isGreaterThanOrEqualTo(PER_PEER);
        assertThat(headers.unhealthy).isEmpty();
    }

    @Test
    void anUnauthenticatedHalfOpenFloodCannotShutOutAKnownPeer() throws Exception {
        long refusedBefore = meter("connections.refused.handshakes-per-address");
        for (int i = 0; i < 2 * MAX_CONNECTIONS; i++) {
            Socket socket = new Socket();
            socket.bind(new InetSocketAddress("127.0.0.4", 0));
            socket.connect(new InetSocketAddress("127.0.0.1", APP.getLocalPort()), 5000);
            socket.getOutputStream().write(new byte[] {0x16, 0x03, 0x01}); // a handshake record begins, and no more
            attack.add(socket);
        }

        AttackResult result = trickleWhileAKnownPeerCalls(null);

        assertThat(result.failedCalls).isEmpty();
        assertThat(result.stillOpen).isZero();
        assertThat(result.unhealthy).as("a flood kept to its share leaves the service ready").isEmpty();
        assertThat(meter("connections.refused.handshakes-per-address") - refusedBefore)
                .as("connections past the address's share, closed at once").isGreaterThanOrEqualTo(MAX_CONNECTIONS);
    }

    @Test
    void theHealthCheckTurnsUnhealthyOnlyWhileTheConnectorIsFull() throws Exception {
        assertThat(connectionsHealth().isHealthy()).isTrue();
        for (int address = 10; attack.size() < MAX_CONNECTIONS; address++) {
            for (int i = 0; i < PER_ADDRESS && attack.size() < MAX_CONNECTIONS; i++) {
                Socket socket = new Socket();
                socket.bind(new InetSocketAddress("127.0.1." + address, 0));
                socket.connect(new InetSocketAddress("127.0.0.1", APP.getLocalPort()), 5000);
                attack.add(socket);
            }
        }
        HealthCheck.Result full = awaitHealth(false);

        assertThat(full.getMessage()).contains("all " + MAX_CONNECTIONS + " connections of application port")
                .contains("limits.max_connections");

        endTheAttack();
        attack.clear();
        assertThat(awaitHealth(true).isHealthy()).isTrue();
    }

    /**
     * Sends one byte of {@code slowly} on every attacking connection each 500 ms (nothing when
     * null) while the known peer, gateway, calls from 127.0.0.1: at least {@value #CALLS} calls,
     * and on until the server has closed them all or {@link #ATTACK} has passed.
     */
    private AttackResult trickleWhileAKnownPeerCalls(String slowly) throws Exception {
        SSLContext gateway = PKI.issue("gateway").rawClientContext(PKI.ca().certificate());
        AttackResult result = new AttackResult();
        List<Socket> open = new ArrayList<>(attack);
        long start = System.nanoTime();
        int position = 0;
        while ((!open.isEmpty() || result.calls < CALLS) && System.nanoTime() - start < ATTACK.toNanos()) {
            byte next = slowly == null ? 0 : (byte) slowly.charAt(position++ % slowly.length());
            open.removeIf(socket -> closedByServer(socket, slowly == null ? null : next));
            try {
                RawHttps.Response answer = RawHttps.get(gateway, "localhost", APP.getLocalPort(), "/whoami");
                if (answer.status() != 200) {
                    result.failedCalls.add(answer.toString());
                }
            } catch (IOException e) {
                result.failedCalls.add(e.toString());
            }
            result.calls++;
            HealthCheck.Result health = connectionsHealth();
            if (!health.isHealthy()) {
                result.unhealthy.add(health.getMessage());
            }
            Thread.sleep(500);
        }
        result.stillOpen = open.size();
        return result;
    }

    /** Writes {@code next} (if any) and reports whether the server has closed the connection. */
    private static boolean closedByServer(Socket socket, Byte next) {
        try {
            if (next != null) {
                OutputStream out = socket.getOutputStream();
                out.write(next);
                out.flush();
            }
            socket.setSoTimeout(10);
            InputStream in = socket.getInputStream();
            while (in.read() >= 0) {
                // a 4xx the server sent before closing: read on to the end
            }
            return true;
        } catch (SocketTimeoutException stillOpen) {
            return false;
        } catch (IOException closed) {
            return true;
        }
    }

    private static Socket handshaken(SSLContext context, String from) throws IOException {
        Socket plain = new Socket();
        plain.bind(new InetSocketAddress(from, 0));
        plain.connect(new InetSocketAddress("127.0.0.1", APP.getLocalPort()), 5000);
        SSLSocket socket = (SSLSocket) context.getSocketFactory().createSocket(plain, "localhost", APP.getLocalPort(), true);
        socket.setSoTimeout(5000);
        try {
            socket.startHandshake();
        } catch (IOException closedRightAway) {
            // past the peer's share the server may close at once; the attack counts it as closed
        }
        return socket;
    }

    private static HealthCheck.Result connectionsHealth() {
        return APP.getEnvironment().healthChecks().runHealthCheck("connections");
    }

    private static HealthCheck.Result awaitHealth(boolean healthy) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        HealthCheck.Result result = connectionsHealth();
        while (result.isHealthy() != healthy && System.nanoTime() < deadline) {
            Thread.sleep(100);
            result = connectionsHealth();
        }
        assertThat(result.isHealthy()).as(result.toString()).isEqualTo(healthy);
        return result;
    }

    private static long meter(String name) {
        return APP.getEnvironment().metrics().meter(name).getCount();
    }

    /** What the known peer saw during one attack, and what was left of the attack. */
    private static final class AttackResult {
        private final List<String> failedCalls = new ArrayList<>();
        private final List<String> unhealthy = new ArrayList<>();
        private int calls;
        private int stillOpen;
    }
}
