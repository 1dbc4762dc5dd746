package com.tiktokmall.mtls.dropwizard.probes;

import com.tiktokmall.mtls.testing.EchoApplication;
import com.tiktokmall.mtls.testing.MtlsTestClient;
import com.tiktokmall.mtls.testing.Ports;
import com.tiktokmall.mtls.testing.TestPki;
import io.dropwizard.testing.DropwizardTestSupport;
import io.dropwizard.testing.ResourceHelpers;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A rolling restart loses no call. Two replicas of a service (the test echo service, over mTLS);
 * a client balances its calls over the replicas that are ready, as kube-proxy does with a Service's
 * endpoints: it asks each replica's {@code /readyz} again and again and drops a replica once it
 * says 503. While several callers keep calling, one replica is stopped as Kubernetes stops a pod
 * (after its {@code preStop}, a graceful stop: {@code server.stop()}), with a request in flight
 * across the stop. Not one call fails.
 *
 * <p>What makes it so: at the start of the stop {@code /readyz} turns 503 and answers close their
 * connections, for {@code probes.drain_delay}, while the connectors still accept ({@link Drain});
 * only then do they stop, and the request in flight gets {@code server.shutdownGracePeriod}.
 * Without the drain ({@code probes.drain_delay: 0s}) callers that had not yet seen the 503 are
 * refused; without the grace period ({@code server.shutdownGracePeriod: 0s}) the request in flight
 * is cut off. Both were seen failing this test.
 *
 * <p>No timing is asserted: the test waits for events (readiness 503 seen, the port refusing
 * connections, calls served by the other replica), each for a bounded time.
 */
class RollingRestartTest {
    private static final HttpClient PLAIN = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private static final int CALLERS = 4;
    /**
     * Calls are POSTs: java.net.http retries an idempotent request on a connection the server
     * closed under it, which would hide the very failure this test looks for; a POST it never
     * retries (nor do the services' own clients: {@code retries: 0}).
     */
    private static final Map<String, Object> PARCEL = Map.of("count", 1, "name", "rolling");

    private final TestPki pki = TestPki.create();
    private final List<Replica> replicas = new CopyOnWriteArrayList<>();
    private final AtomicBoolean running = new AtomicBoolean(true);
    private final Queue<String> failures = new ConcurrentLinkedQueue<>();
    private final List<Thread> threads = new ArrayList<>();
    /**
     * The settings before: each replica's overrides are system properties (dw.*), and each
     * DropwizardTestSupport puts back on stop what it found on start, so two replicas stopped in
     * the order they started (a, then b) would leave a's settings behind for the next test class.
     */
    private final Map<String, String> settingsBefore = dropwizardSettings();

    @AfterEach
    void stop() throws InterruptedException {
        running.set(false);
        for (Thread thread : threads) {
            thread.join(30_000);
        }
        EchoApplication.HELD.release();
        for (Replica replica : replicas) {
            replica.stop();
        }
        dropwizardSettings().keySet().forEach(System::clearProperty);
        settingsBefore.forEach(System::setProperty);
    }

    private static Map<String, String> dropwizardSettings() {
        return System.getProperties().stringPropertyNames().stream().filter(name -> name.startsWith("dw."))
                .collect(java.util.stream.Collectors.toMap(name -> name, System::getProperty));
    }

    @Test
    void oneOfTwoReplicasStoppedGracefullyWhileCallsRunLosesNoCall() throws Exception {
        Replica a = start("a");
        Replica b = start("b");
        MtlsTestClient gateway = MtlsTestClient.as(pki.issue("gateway"), pki.ca());
        for (Replica replica : replicas) {
            watchReadiness(replica);
        }
        await("both replicas ready", () -> a.ready && b.ready);
        for (int i = 0; i < CALLERS; i++) {
            call(gateway);
        }
        await("both replicas serve calls", () -> a.served.get() > 20 && b.served.get() > 20);

        EchoApplication.HELD.arm();
        CompletableFuture<MtlsTestClient.Reply> inFlight = CompletableFuture.supplyAsync(
                () -> gateway.post(a.url("/whoami/held")));
        EchoApplication.HELD.awaitArrival();
        Thread stopper = new Thread(a::stop, "stopping replica a");
        stopper.start();

        await("the balancer saw replica a's /readyz turn 503", () -> !a.ready);
        int servedByB = b.served.get();
        await("replica a's connectors stopped accepting", () -> refuses(a.port));
        assertThat(inFlight).as("the request in flight, still held when the connectors stopped").isNotDone();
        EchoApplication.HELD.release();
        MtlsTestClient.Reply held = inFlight.get(30, TimeUnit.SECONDS);
        stopper.join(60_000);
        await("replica b serves the calls on its own", () -> b.served.get() > servedByB + 50);

        running.set(false);
        for (Thread thread : threads) {
            thread.join(30_000);
        }
        assertThat(stopper.isAlive()).as("replica a stopped").isFalse();
        assertThat(held.status()).as("the request in flight across the stop").isEqualTo(200);
        assertThat(failures).as("failed calls").isEmpty();
    }

    private Replica start(String name) throws Exception {
        Map<String, String> settings = pki.tlsSettings("echo");
        int probes = Ports.free();
        settings.put("probes.port", Integer.toString(probes));
        settings.put("probes.bind_host", "127.0.0.1");
        settings.put("probes.check_interval", "100ms");
        settings.put("probes.drain_delay", "3s");
        settings.put("server.shutdownGracePeriod", "30s");
        DropwizardTestSupport<EchoApplication.EchoConfiguration> app = new DropwizardTestSupport<>(EchoApplication.class,
                ResourceHelpers.resourceFilePath("echo.yml"), TestPki.overrides(settings));
        app.before();
        Replica replica = new Replica(name, app, probes);
        replicas.add(replica);
        return replica;
    }

    /** Asks {@code /readyz} of one replica over and over: ready while it answers 200, as kube-proxy sees endpoints. */
    private void watchReadiness(Replica replica) {
        spawn("readiness of " + replica.name, () -> {
            while (running.get()) {
                boolean ready;
                try {
                    ready = PLAIN.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + replica.probes + "/readyz"))
                            .timeout(Duration.ofSeconds(5)).GET().build(), HttpResponse.BodyHandlers.discarding()).statusCode() == 200;
                } catch (IOException unreachable) {
                    ready = false;
                }
                replica.ready = ready;
                Thread.sleep(50);
            }
            return null;
        });
    }

    /** A caller: round-robin over the replicas that are ready, one call after another; every failure recorded. */
    private void call(MtlsTestClient gateway) {
        spawn("caller", () -> {
            int next = 0;
            while (running.get()) {
                List<Replica> ready = replicas.stream().filter(r -> r.ready).toList();
                if (ready.isEmpty()) {
                    failures.add("no replica ready");
                    Thread.sleep(10);
                    continue;
                }
                Replica replica = ready.get(Math.floorMod(next++, ready.size()));
                try {
                    MtlsTestClient.Reply reply = gateway.post(replica.url("/whoami/echo"), PARCEL);
                    if (reply.status() == 200) {
                        replica.served.incrementAndGet();
                    } else {
                        failures.add(replica.name + ": " + reply);
                    }
                } catch (RuntimeException failed) {
                    failures.add(replica.name + ": " + failed);
                }
            }
            return null;
        });
    }

    private void spawn(String name, java.util.concurrent.Callable<Void> body) {
        Thread thread = new Thread(() -> {
            try {
                body.call();
            } catch (Exception e) {
                failures.add(name + " died: " + e);
            }
        }, name);
        thread.setDaemon(true);
        threads.add(thread);
        thread.start();
    }

    /** True once nothing accepts connections on the port. */
    private static boolean refuses(int port) {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress("127.0.0.1", port), 1_000);
            return false;
        } catch (ConnectException refused) {
            return true;
        } catch (IOException other) {
            return false;
        }
    }

    private static void await(String what, BooleanSupplier condition) throws InterruptedException {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > end) {
                throw new AssertionError("not within 30 s: " + what);
            }
            Thread.sleep(20);
        }
    }

    private static final class Replica {
        final String name;
        final DropwizardTestSupport<EchoApplication.EchoConfiguration> app;
        final int probes;
        final int port;
        final AtomicInteger served = new AtomicInteger();
        final AtomicBoolean stopped = new AtomicBoolean();
        volatile boolean ready;

        Replica(String name, DropwizardTestSupport<EchoApplication.EchoConfiguration> app, int probes) {
            this.name = name;
            this.app = app;
            this.probes = probes;
            this.port = app.getLocalPort();
        }

        String url(String path) {
            return "https://localhost:" + port + path;
        }

        /** A graceful stop, as at SIGTERM: the server's stop(), once. */
        void stop() {
            if (stopped.compareAndSet(false, true)) {
                app.after();
            }
        }
    }
}
