package com.tiktokmall.mtls.dropwizard.server;

import com.codahale.metrics.health.HealthCheck;
import com.tiktokmall.mtls.testing.EchoApplication;
import com.tiktokmall.mtls.testing.RawHttps;
import com.tiktokmall.mtls.testing.TestPki;
import io.dropwizard.core.server.DefaultServerFactory;
import io.dropwizard.testing.ResourceHelpers;
import io.dropwizard.testing.junit5.DropwizardAppExtension;
import io.dropwizard.testing.junit5.DropwizardExtensionsSupport;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.io.BufferedReader;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
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
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
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
    private static final Duration DEADLINE = Duration.ofSeconds(4);
    /** The known peer gives up sooner than any attacker's connection is closed: waiting it out would not do. */
    private static final int KNOWN_PEER_TIMEOUT_MILLIS = 2000;
    /** Bounded: every attack ends within this, far below the idle timeout (30 s) that each byte restarts. */
    private static final Duration ATTACK = Duration.ofSeconds(15);
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
        settings.put("probes.saturation_grace", "0s"); // healthy under attack because of the shares, not a grace
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
    void aPeerWithoutARoleHoldsAFewConnectionsAndNotForLong() throws Exception {
        SSLContext lingerer = PKI.issue("lingerer").rawClientContext(PKI.ca().certificate());
        for (int i = 0; i < PeerShares.ROLELESS_SHARE; i++) {
            attack.add(handshaken(lingerer, "127.0.0.1")); // no request yet: held until tls.handshake_timeout
        }
        assertThat(roleLessAnswer(lingerer)).as("one more while it holds its share").isEmpty();
        endTheAttack();
        attack.clear();

        List<RawHttps.KeepAlive> answered = new ArrayList<>();
        try {
            for (int i = 0; i < PeerShares.ROLELESS_SHARE; i++) {
                RawHttps.KeepAlive connection = RawHttps.keepAlive(lingerer, "localhost", APP.getLocalPort());
                answered.add(connection);
                assertThat(connection.get("/whoami").status()).isEqualTo(403); // and the peer never closes its side
            }
            long deadline = System.nanoTime() + Duration.ofSeconds(15).toNanos(); // half the idle timeout (30 s)
            Optional<Integer> next = roleLessAnswer(lingerer);
            while (next.isEmpty() && System.nanoTime() < deadline) {
                Thread.sleep(200);
                next = roleLessAnswer(lingerer);
            }
            assertThat(next).as("answered again: the server let go of the answered connections before the idle timeout")
                    .hasValue(403);
        } finally {
            for (RawHttps.KeepAlive connection : answered) {
                connection.close();
            }
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
                        + "spiffe_id=\"spiffe://tiktokmall.local/stranger\"} [1-9]")
                .containsPattern("mtls_connections_closed_total\\{connector=\"application\",reason=\"no_role\","
                        + "spiffe_id=\"spiffe://tiktokmall.local/stranger\"} [1-9]");
    }

    @Test
    void aSlowSenderWithARoleIsClosedAtTheReadTimeoutInHeadersAndInBodies() throws Exception {
        SSLContext echo = PKI.issue("echo").rawClientContext(PKI.ca().certificate());
        long slowBefore = meter("connections.closed.slow-request");
        for (int i = 0; i < PER_PEER; i++) {
            attack.add(handshaken(echo, "127.0.0.3"));
        }

        AttackResult headers = trickleWhileAKnownPeerCalls(GET);

        endTheAttack();
        attack.clear();
        long slowAfterHeaders = meter("connections.closed.slow-request");
        for (int i = 0; i < PER_PEER; i++) {
            Socket body = handshaken(echo, "127.0.0.3");
            body.getOutputStream().write(POST.getBytes(StandardCharsets.US_ASCII));
            attack.add(body);
        }

        AttackResult body = trickleWhileAKnownPeerCalls("a");

        assertThat(headers.failedCalls).isEmpty();
        assertThat(body.failedCalls).isEmpty();
        assertThat(headers.stillOpen).as("slow headers still open").isZero();
        assertThat(body.stillOpen).as("slow bodies still open").isZero();
        assertThat(slowAfterHeaders - slowBefore).as("closed in their headers").isEqualTo(PER_PEER);
        assertThat(meter("connections.closed.slow-request") - slowAfterHeaders).as("closed in their bodies")
                .isEqualTo(PER_PEER);
        assertThat(headers.unhealthy).isEmpty();
        assertThat(body.unhealthy).isEmpty();
    }

    @Test
    void aBodyTheServiceDoesNotReadIsNotASlowRequest() throws Exception {
        SSLContext gateway = PKI.issue("gateway").rawClientContext(PKI.ca().certificate());
        long slowBefore = meter("connections.closed.slow-request");
        EchoApplication.HELD.arm();
        CompletableFuture<Integer> answer = CompletableFuture.supplyAsync(() -> {
            try (Socket socket = handshaken(gateway, "127.0.0.1")) {
                socket.setSoTimeout(30_000);
                socket.getOutputStream().write(("POST /whoami/held HTTP/1.1\r\nHost: localhost\r\nContent-Type: text/plain"
                        + "\r\nContent-Length: 2\r\n\r\nhi").getBytes(StandardCharsets.US_ASCII));
                return status(socket);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
        EchoApplication.HELD.awaitArrival();

        Thread.sleep(DEADLINE.plusSeconds(2).toMillis()); // the resource works on, past the read timeout and a sweep
        EchoApplication.HELD.release();

        assertThat(answer.get(10, TimeUnit.SECONDS)).isEqualTo(200);
        assertThat(meter("connections.closed.slow-request")).isEqualTo(slowBefore);
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
    void theHealthCheckTurnsUnhealthyOnlyWhileTheApplicationPortIsFull() throws Exception {
        assertThat(connectionsHealth().isHealthy()).isTrue();
        fill(APP.getAdminPort());
        assertThat(adminPortFull()).as("the admin port is full").isTrue();
        assertThat(connectionsHealth().isHealthy()).as("a full admin port does not stop the service serving").isTrue();
        endTheAttack();
        attack.clear();

        fill(APP.getLocalPort());
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
                int status = knownPeerCall(gateway);
                if (status != 200) {
                    result.failedCalls.add("status " + status);
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

    /** Opens {@link #MAX_CONNECTIONS} connections to {@code port}, from as many addresses as the per-address share needs. */
    private void fill(int port) throws IOException {
        for (int address = 10; attack.size() < MAX_CONNECTIONS; address++) {
            for (int i = 0; i < PER_ADDRESS && attack.size() < MAX_CONNECTIONS; i++) {
                Socket socket = new Socket();
                socket.bind(new InetSocketAddress("127.0.1." + address, 0));
                socket.connect(new InetSocketAddress("127.0.0.1", port), 5000);
                attack.add(socket);
            }
        }
    }

    private static boolean adminPortFull() throws InterruptedException {
        MtlsConnectorFactory admin = (MtlsConnectorFactory) ((DefaultServerFactory) APP.getConfiguration()
                .getServerFactory()).getAdminConnectors().get(0);
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (admin.saturation().isEmpty() && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
        return admin.saturation().isPresent();
    }

    /** A role-less peer's new connection: the status of its answer, or empty when closed unanswered. */
    private static Optional<Integer> roleLessAnswer(SSLContext context) {
        try (Socket socket = handshaken(context, "127.0.0.1")) {
            socket.getOutputStream().write(("GET /whoami HTTP/1.1\r\nHost: localhost\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            return Optional.of(status(socket));
        } catch (IOException closedUnanswered) {
            return Optional.empty();
        }
    }

    /** The known peer's call: a new connection from 127.0.0.1, given up after {@link #KNOWN_PEER_TIMEOUT_MILLIS}. */
    private static int knownPeerCall(SSLContext gateway) throws IOException {
        try (Socket socket = handshaken(gateway, "127.0.0.1", KNOWN_PEER_TIMEOUT_MILLIS)) {
            socket.getOutputStream().write(("GET /whoami HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            return status(socket);
        }
    }

    /** The status code of the answer on {@code socket}. */
    private static int status(Socket socket) throws IOException {
        String line = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.US_ASCII)).readLine();
        if (line == null || !line.matches("HTTP/1\\.1 \\d{3}.*")) {
            throw new EOFException("no answer: " + line);
        }
        return Integer.parseInt(line.substring(9, 12));
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
        return handshaken(context, from, 5000);
    }

    private static Socket handshaken(SSLContext context, String from, int timeoutMillis) throws IOException {
        Socket plain = new Socket();
        plain.bind(new InetSocketAddress(from, 0));
        plain.connect(new InetSocketAddress("127.0.0.1", APP.getLocalPort()), timeoutMillis);
        SSLSocket socket = (SSLSocket) context.getSocketFactory().createSocket(plain, "localhost", APP.getLocalPort(), true);
        socket.setSoTimeout(timeoutMillis);
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
