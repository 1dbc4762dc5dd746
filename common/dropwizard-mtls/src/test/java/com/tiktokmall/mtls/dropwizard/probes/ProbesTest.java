package com.tiktokmall.mtls.dropwizard.probes;

import com.codahale.metrics.health.HealthCheck;
import com.tiktokmall.mtls.testing.EchoApplication;
import com.tiktokmall.mtls.testing.MtlsTestClient;
import com.tiktokmall.mtls.testing.MutableClock;
import com.tiktokmall.mtls.testing.Ports;
import com.tiktokmall.mtls.testing.TestPki;
import io.dropwizard.core.Application;
import io.dropwizard.testing.DropwizardTestSupport;
import io.dropwizard.testing.ResourceHelpers;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The plain-HTTP probe port: what kubelet can reach without a client certificate, and nothing more;
 * its limits one at a time (the flood of them together: {@link ProbeFloodTest}).
 */
class ProbesTest {
    private static final HttpClient PLAIN = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private final TestPki pki = TestPki.create();
    private final MutableClock clock = MutableClock.startingNow();
    private final int port = Ports.free();
    private DropwizardTestSupport<EchoApplication.EchoConfiguration> app;

    @AfterEach
    void stop() {
        if (app != null) {
            app.after();
        }
    }

    @Test
    void livenessAndReadinessAreBareStatusCodesOverPlainHttp() throws Exception {
        start(pki.tlsSettings("echo"));

        HttpResponse<String> live = get("/livez");
        HttpResponse<String> ready = get("/readyz");

        assertThat(live.statusCode()).isEqualTo(200);
        assertThat(live.body()).isEmpty();
        assertThat(ready.statusCode()).isEqualTo(200);
        assertThat(ready.body()).isEmpty();
        assertThat(live.headers().firstValue("Server")).as("no Server header").isEmpty();
    }

    @Test
    void nothingOfTheAdminPortIsServedThere() throws Exception {
        start(pki.tlsSettings("echo"));

        for (String path : new String[] {"/healthcheck", "/metrics", "/prometheus", "/tasks/reload-tls", "/whoami", "/"}) {
            HttpResponse<String> response = get(path);
            assertThat(response.statusCode()).as(path).isEqualTo(404);
            assertThat(response.body()).as(path).isEmpty();
        }
        HttpResponse<String> post = PLAIN.send(HttpRequest.newBuilder(uri("/readyz"))
                .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(post.statusCode()).isEqualTo(405);
    }

    @Test
    void aFailingDatabaseShowsInTheHealthCheckButLeavesReadinessAlone() throws Exception {
        Map<String, String> settings = pki.tlsSettings("echo");
        settings.put("probes.check_interval", "100ms");
        start(settings);
        AtomicInteger readinessRuns = countReadinessRuns();
        app.getEnvironment().healthChecks().register("database", new HealthCheck() {
            @Override
            protected Result check() {
                return Result.unhealthy("the database cannot be reached");
            }
        });
        int before = readinessRuns.get();

        // A verdict computed after the failing check was registered (the verdict is reused for
        // probes.check_interval): readiness ran its checks again since, and still says 200.
        long end = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        int status = get("/readyz").statusCode();
        while (readinessRuns.get() < before + 2 && System.nanoTime() < end) {
            Thread.sleep(50);
            status = get("/readyz").statusCode();
        }

        assertThat(readinessRuns.get()).as("readiness verdicts computed since the database check failed").isGreaterThanOrEqualTo(before + 2);
        assertThat(status).as("ready: every replica shares the database, taking them all out helps no one").isEqualTo(200);
        MtlsTestClient.Reply health = MtlsTestClient.as(pki.issue("ops"), pki.ca())
                .get("https://localhost:" + app.getAdminPort() + "/healthcheck");
        assertThat(health.status()).as("the admin port's health check tells it").isEqualTo(500);
        assertThat(health.body()).contains("database").contains("the database cannot be reached");
    }

    @Test
    void notReadyWhileTheConnectionsCheckFails() throws Exception {
        start(pki.tlsSettings("echo"));
        assertThat(get("/readyz").statusCode()).isEqualTo(200);
        app.getEnvironment().healthChecks().unregister("connections");
        app.getEnvironment().healthChecks().register("connections", new HealthCheck() {
            @Override
            protected Result check() {
                return Result.unhealthy("all of limits.max_connections open");
            }
        });

        // The verdict is reused for probes.check_interval (1 s): it turns within it, not at once.
        assertThat(awaitStatus("/readyz", 503)).as("red while this replica cannot take more").isEqualTo(503);
        assertThat(get("/livez").statusCode()).as("alive all the same").isEqualTo(200);

        app.getEnvironment().healthChecks().unregister("connections");
        assertThat(awaitStatus("/readyz", 200)).as("green again").isEqualTo(200);
    }

    @Test
    void readinessTurns503AtOnceWhenTheServiceBeginsToStopWhileItStillServes() throws Exception {
        Map<String, String> settings = pki.tlsSettings("echo");
        settings.put("probes.drain_delay", "3s");
        start(settings);
        MtlsTestClient gateway = MtlsTestClient.as(pki.issue("gateway"), pki.ca());
        String whoAmI = "https://localhost:" + app.getLocalPort() + "/whoami";
        assertThat(gateway.get(whoAmI).response().headers().firstValue("Connection")).as("kept alive while serving").isEmpty();
        DropwizardTestSupport<EchoApplication.EchoConfiguration> stopping = app;
        app = null; // stopped here, not by stop()
        Thread stopper = new Thread(stopping::after, "stopper");
        stopper.start();
        try {
            assertThat(awaitStatus("/readyz", 503)).as("not ready from the start of the stop").isEqualTo(503);
            assertThat(get("/livez").statusCode()).as("alive: kubelet must not restart a pod that drains").isEqualTo(200);

            MtlsTestClient.Reply reply = gateway.get(whoAmI);

            assertThat(reply.status()).as("still served during probes.drain_delay").isEqualTo(200);
            assertThat(reply.response().headers().firstValue("Connection")).as("and the connection closed after the answer")
                    .hasValue("close");
        } finally {
            stopper.join(60_000);
        }
    }

    @Test
    void notReadyOnceTheCertificateInUseHasExpired() throws Exception {
        Instant notAfter = clock.instant().plus(Duration.ofHours(1));
        pki.write("echo", pki.ca().leaf("echo").validity(clock.instant().minusSeconds(60), notAfter).issue());
        start(pki.tlsSettings("echo"));
        assertThat(get("/readyz").statusCode()).isEqualTo(200);

        clock.advance(Duration.between(clock.instant(), notAfter).plusSeconds(1));

        assertThat(awaitStatus("/readyz", 503)).isEqualTo(503);
        assertThat(get("/livez").statusCode()).isEqualTo(200);
    }

    @Test
    void aFailedReloadAloneKeepsThePodReadyWhileTheOldCertificateServes() throws Exception {
        Map<String, String> settings = pki.tlsSettings("echo");
        start(settings);
        java.nio.file.Files.writeString(pki.keyFile("echo"), "not a key\n");
        String answer = MtlsTestClient.as(pki.issue("ops"), pki.ca())
                .post("https://localhost:" + app.getAdminPort() + "/tasks/reload-tls").body();
        assertThat(answer).startsWith("reload failed");

        assertThat(get("/readyz").statusCode()).isEqualTo(200);
    }

    @Test
    void pastItsShareAnAddressIsRefusedAtOnceWhileAnotherIsServed() throws Exception {
        Map<String, String> settings = pki.tlsSettings("echo");
        settings.put("probes.max_connections_per_address", "2");
        settings.put("probes.header_timeout", "60s"); // the idle ones stay for the test's length
        start(settings);
        List<Socket> idle = new ArrayList<>();
        try {
            idle.add(connectFrom("127.0.0.2"));
            idle.add(connectFrom("127.0.0.2"));
            try (Socket third = connectFrom("127.0.0.2")) {
                assertThat(closedByServer(third)).as("a third from the same address, closed at once").isTrue();
            }

            assertThat(rawGet("127.0.0.1", "/readyz")).startsWith("HTTP/1.1 200");
        } finally {
            closeAll(idle);
        }
        assertThat(meter("probes.connections.rejected")).isEqualTo(1);
    }

    @Test
    void pastTheTotalANewConnectionIsRefusedAtOnceNotQueued() throws Exception {
        Map<String, String> settings = pki.tlsSettings("echo");
        settings.put("probes.max_connections", "4");
        settings.put("probes.max_connections_per_address", "2");
        settings.put("probes.header_timeout", "60s");
        start(settings);
        List<Socket> idle = new ArrayList<>();
        try {
            for (String address : new String[] {"127.0.0.2", "127.0.0.2", "127.0.0.3", "127.0.0.3"}) {
                idle.add(connectFrom(address));
            }
            try (Socket probe = connectFrom("127.0.0.1")) {
                assertThat(closedByServer(probe)).as("refused, not left waiting in the backlog").isTrue();
            }

            idle.remove(0).close();

            assertThat(awaitRawGet("127.0.0.1", "/livez")).as("served once a connection closed").startsWith("HTTP/1.1 200");
        } finally {
            closeAll(idle);
        }
        assertThat(meter("probes.connections.rejected")).isGreaterThanOrEqualTo(1);
    }

    @Test
    void aRequestHeaderTricklingInIsClosedAtTheDeadlineUnanswered() throws Exception {
        Map<String, String> settings = pki.tlsSettings("echo");
        settings.put("probes.header_timeout", "1s");
        start(settings);
        byte[] header = "GET /readyz HTTP/1.1\r\nHost: probe\r\nUser-Agent: one byte at a time\r\n\r\n"
                .getBytes(StandardCharsets.US_ASCII);
        int sent = 0;
        boolean closed = false;
        try (Socket trickle = connectFrom("127.0.0.2")) {
            trickle.setSoTimeout(300); // a byte every 300 ms: Jetty's idle timeout (5 s) would never end it
            InputStream in = trickle.getInputStream();
            while (!closed && sent < header.length) {
                try {
                    trickle.getOutputStream().write(header[sent++]);
                    closed = in.read() < 0;
                } catch (SocketTimeoutException stillOpen) {
                    // nothing from the server yet: the next byte
                } catch (SocketException reset) {
                    closed = true;
                }
            }
        }

        assertThat(closed).as("closed by the server before the header was complete").isTrue();
        assertThat(sent).as("bytes sent before the close").isLessThan(header.length);
        assertThat(meter("probes.requests.slow")).isEqualTo(1);
    }

    @Test
    void oneRequestPerConnectionAndNoBodyIsWaitedFor() throws Exception {
        start(pki.tlsSettings("echo"));

        // No "Connection: close" asked: the server closes after its answer all the same (readAllBytes ends).
        assertThat(rawGet("127.0.0.1", "/livez")).startsWith("HTTP/1.1 200").containsIgnoringCase("connection: close");
        try (Socket post = connectFrom("127.0.0.1")) {
            post.setSoTimeout(5_000);
            post.getOutputStream().write(("POST /readyz HTTP/1.1\r\nHost: probe\r\nContent-Length: 100000\r\n\r\n{\"a\"")
                    .getBytes(StandardCharsets.US_ASCII));
            String answer = new String(post.getInputStream().readAllBytes(), StandardCharsets.US_ASCII);

            assertThat(answer).startsWith("HTTP/1.1 405");
        }
    }

    @Test
    void aFloodOfReadinessProbesRunsTheChecksOncePerInterval() throws Exception {
        Map<String, String> settings = pki.tlsSettings("echo");
        settings.put("probes.check_interval", "1m"); // far longer than the flood: one run serves it all
        start(settings);
        AtomicInteger runs = new AtomicInteger();
        app.getEnvironment().healthChecks().unregister("connections");
        app.getEnvironment().healthChecks().register("connections", new HealthCheck() {
            @Override
            protected Result check() throws InterruptedException {
                runs.incrementAndGet();
                Thread.sleep(200); // a slow check
                return Result.healthy();
            }
        });
        ExecutorService probers = Executors.newFixedThreadPool(8);
        try {
            List<Future<List<String>>> answers = new ArrayList<>();
            for (int i = 0; i < 8; i++) {
                String address = "127.0.0." + (10 + i); // 8 at once from one address would be its whole share
                answers.add(probers.submit(() -> {
                    List<String> statuses = new ArrayList<>();
                    for (int j = 0; j < 20; j++) {
                        statuses.add(rawGet(address, "/readyz").substring(0, 12));
                    }
                    return statuses;
                }));
            }
            for (Future<List<String>> answer : answers) {
                assertThat(answer.get(60, TimeUnit.SECONDS)).containsOnly("HTTP/1.1 200");
            }
        } finally {
            probers.shutdownNow();
        }

        assertThat(runs.get()).as("health check runs for 160 probes").isEqualTo(1);
    }

    @Test
    void aHealthCheckThatHangsAnswersReadinessWith503AndLeavesLivenessAlone() throws Exception {
        start(pki.tlsSettings("echo"));
        CountDownLatch release = new CountDownLatch(1);
        app.getEnvironment().healthChecks().unregister("connections");
        app.getEnvironment().healthChecks().register("connections", new HealthCheck() {
            @Override
            protected Result check() throws InterruptedException {
                release.await(30, TimeUnit.SECONDS); // a check that never returns
                return Result.healthy();
            }
        });
        try {
            HttpResponse<String> ready = PLAIN.send(HttpRequest.newBuilder(uri("/readyz")).timeout(Duration.ofSeconds(15))
                    .GET().build(), HttpResponse.BodyHandlers.ofString());
            assertThat(ready.statusCode()).as("answered, not left waiting").isEqualTo(503);
            assertThat(get("/livez").statusCode()).isEqualTo(200);
        } finally {
            release.countDown();
        }
        assertThat(meter("probes.checks.timed-out")).isGreaterThanOrEqualTo(1);
    }

    /** Wraps the {@code connections} check so that each run of it (each readiness verdict) is counted. */
    private AtomicInteger countReadinessRuns() {
        AtomicInteger runs = new AtomicInteger();
        HealthCheck connections = new HealthCheck() {
            @Override
            protected Result check() {
                runs.incrementAndGet();
                return Result.healthy();
            }
        };
        app.getEnvironment().healthChecks().unregister("connections");
        app.getEnvironment().healthChecks().register("connections", connections);
        return runs;
    }

    private void start(Map<String, String> settings) throws Exception {
        settings.put("probes.port", Integer.toString(port));
        settings.put("probes.bind_host", "127.0.0.1");
        app = new DropwizardTestSupport<>(EchoApplication.class, ResourceHelpers.resourceFilePath("echo.yml"),
                TestPki.overrides(settings)) {
            @Override
            public Application<EchoApplication.EchoConfiguration> newApplication() {
                return new EchoApplication(clock); // readiness judges expiry by the service's clock
            }
        };
        app.before();
    }

    private HttpResponse<String> get(String path) throws IOException, InterruptedException {
        return PLAIN.send(HttpRequest.newBuilder(uri(path)).GET().build(), HttpResponse.BodyHandlers.ofString());
    }

    /** Asks {@code path} until it answers {@code status}, for at most 10 s; the last status. */
    private int awaitStatus(String path, int status) throws IOException, InterruptedException {
        long end = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        int last = get(path).statusCode();
        while (last != status && System.nanoTime() < end) {
            Thread.sleep(100);
            last = get(path).statusCode();
        }
        return last;
    }

    private Socket connectFrom(String address) throws IOException {
        Socket socket = new Socket();
        socket.bind(new InetSocketAddress(address, 0)); // Linux routes all of 127/8 to loopback
        socket.connect(new InetSocketAddress("127.0.0.1", port), 5_000);
        return socket;
    }

    /** A GET from {@code address} without "Connection: close": the whole answer, read until the server closes. */
    private String rawGet(String address, String path) throws IOException {
        try (Socket socket = connectFrom(address)) {
            socket.setSoTimeout(10_000);
            socket.getOutputStream().write(("GET " + path + " HTTP/1.1\r\nHost: probe\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            return new String(socket.getInputStream().readAllBytes(), StandardCharsets.US_ASCII);
        }
    }

    /** {@link #rawGet} until it is answered (the server may not have seen a close yet), for at most 10 s. */
    private String awaitRawGet(String address, String path) throws IOException, InterruptedException {
        long end = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        String answer = refusedOr(address, path);
        while (answer.isEmpty() && System.nanoTime() < end) {
            Thread.sleep(100);
            answer = refusedOr(address, path);
        }
        return answer;
    }

    /** The answer, or "" if the connection was closed unanswered (a reset when the request was already sent). */
    private String refusedOr(String address, String path) throws IOException {
        try {
            return rawGet(address, path);
        } catch (SocketException reset) {
            return "";
        }
    }

    /** True if the server closed {@code socket} without a byte; false if it sent one; fails if it stays open 5 s. */
    private static boolean closedByServer(Socket socket) throws IOException {
        socket.setSoTimeout(5_000);
        try {
            return socket.getInputStream().read() < 0;
        } catch (SocketException reset) {
            return true;
        }
    }

    private static void closeAll(List<Socket> sockets) throws IOException {
        for (Socket socket : sockets) {
            socket.close();
        }
    }

    private long meter(String name) {
        return app.getEnvironment().metrics().meter(name).getCount();
    }

    private URI uri(String path) {
        return URI.create("http://127.0.0.1:" + port + path);
    }
}
