package com.tiktokmall.mtls.dropwizard.probes;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import com.tiktokmall.mtls.testing.EchoApplication;
import com.tiktokmall.mtls.testing.Ports;
import com.tiktokmall.mtls.testing.TestPki;
import io.dropwizard.testing.DropwizardTestSupport;
import io.dropwizard.testing.ResourceHelpers;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * "70 connections to the probe port make {@code /readyz} time out" (issue 23) no longer holds: an
 * attacker at 127.0.0.2 keeps 200 connections open to the probe port, half of them idle, half
 * trickling a request header one byte every 500 ms, and opens new ones as the server closes them,
 * while kubelet's stand-in at 127.0.0.1 asks {@code /readyz} 30 times with a 2 s timeout. Every probe
 * is answered 200; every attacker connection is closed by the server, none answered. Bounded: at
 * most 3,000 attacker connections, 60 s.
 */
class ProbeFloodTest {
    private static final int HELD = 200;
    private static final int BUDGET = 3_000;
    private static final int PROBES = 30;
    private static final byte[] HEADER = "GET /readyz HTTP/1.1\r\nHost: probe\r\nUser-Agent: one byte every 500 ms\r\n\r\n"
            .getBytes(StandardCharsets.US_ASCII); // 30 s to send in full: far past probes.header_timeout (3 s)

    private final TestPki pki = TestPki.create();
    private final int port = Ports.free();
    private final ListAppender<ILoggingEvent> log = new ListAppender<>();
    private DropwizardTestSupport<EchoApplication.EchoConfiguration> app;

    @BeforeEach
    void start() throws Exception {
        Map<String, String> settings = pki.tlsSettings("echo");
        settings.put("probes.port", Integer.toString(port));
        settings.put("probes.bind_host", "127.0.0.1"); // the defaults otherwise: 64 in all, 8 per address, 3 s
        app = new DropwizardTestSupport<>(EchoApplication.class, ResourceHelpers.resourceFilePath("echo.yml"),
                TestPki.overrides(settings));
        app.before();
        log.start(); // after the start, which resets logback
        ((Logger) LoggerFactory.getLogger(ProbeServer.class)).addAppender(log);
    }

    @AfterEach
    void stop() {
        ((Logger) LoggerFactory.getLogger(ProbeServer.class)).detachAppender(log);
        app.after();
    }

    @Test
    void probesAreAnsweredWhileAnotherAddressFloodsThePort() throws Exception {
        Attacker attacker = new Attacker();
        ExecutorService threads = Executors.newSingleThreadExecutor();
        List<String> probes = new ArrayList<>();
        try {
            Future<?> attack = threads.submit(attacker);
            awaitAttack(attacker);

            HttpClient kubelet = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
            for (int i = 0; i < PROBES; i++) {
                try {
                    probes.add(Integer.toString(kubelet.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port
                            + "/readyz")).timeout(Duration.ofSeconds(2)).GET().build(), HttpResponse.BodyHandlers.discarding())
                            .statusCode()));
                } catch (IOException failed) {
                    probes.add(failed.toString());
                }
                Thread.sleep(100);
            }

            attacker.refill = false; // and waits for the server to close what is still open
            attack.get(60, TimeUnit.SECONDS);
        } finally {
            attacker.stop = true;
            threads.shutdown();
            threads.awaitTermination(10, TimeUnit.SECONDS);
            attacker.closeAll();
        }

        assertThat(probes).as("kubelet's probes").hasSize(PROBES).containsOnly("200");
        assertThat(attacker.opened).as("attacker connections opened").isGreaterThan(HELD);
        assertThat(attacker.open).as("attacker connections the server left open").isEmpty();
        assertThat(attacker.answered).as("attacker connections answered").isZero();
        assertThat(attacker.closedAfterTrickling).as("trickling connections closed, their header incomplete")
                .isPositive();
        assertThat(meter("probes.connections.rejected")).as("refused past the share").isPositive();
        assertThat(meter("probes.requests.slow")).as("closed at the header deadline").isPositive();
        assertThat(log.list).as("WARN lines about it: summarized").hasSizeBetween(1, 2).allSatisfy(line -> {
            assertThat(line.getLevel()).isEqualTo(Level.WARN);
            assertThat(line.getFormattedMessage()).contains("probes.max_connections_per_address").contains("127.0.0.2");
        });
    }

    /** Waits (at most 10 s) until the attacker has opened its connections and the server refuses some. */
    private void awaitAttack(Attacker attacker) throws InterruptedException {
        long end = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while ((attacker.opened < HELD || meter("probes.connections.rejected") == 0) && System.nanoTime() < end) {
            Thread.sleep(50);
        }
    }

    private long meter(String name) {
        return app.getEnvironment().metrics().meter(name).getCount();
    }

    /**
     * Holds {@link #HELD} connections from 127.0.0.2 (half idle, half trickling), opening a new one
     * for each the server closes while {@link #refill} (within {@link #BUDGET}); one thread,
     * non-blocking channels.
     */
    private final class Attacker implements Runnable {
        final List<Held> open = new ArrayList<>();
        volatile boolean refill = true;
        volatile boolean stop;
        volatile int opened;
        volatile int answered;
        volatile int closedAfterTrickling;

        @Override
        public void run() {
            long end = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            long nextByte = System.nanoTime();
            try {
                while (!stop && System.nanoTime() < end && (refill || !open.isEmpty())) {
                    while (refill && open.size() < HELD && opened < BUDGET) {
                        open.add(new Held(opened % 2 == 1));
                        opened++;
                    }
                    boolean trickle = System.nanoTime() >= nextByte;
                    if (trickle) {
                        nextByte += Duration.ofMillis(500).toNanos();
                    }
                    for (var it = open.iterator(); it.hasNext(); ) {
                        Held held = it.next();
                        if (held.closedByServer(trickle)) {
                            held.close();
                            it.remove();
                        }
                    }
                    Thread.sleep(50);
                }
            } catch (IOException | InterruptedException e) {
                throw new IllegalStateException("the attacker stopped", e);
            }
        }

        void closeAll() throws IOException {
            for (Held held : open) {
                held.close();
            }
        }

        /** One connection of the attacker's. */
        private final class Held {
            private final SocketChannel channel;
            private final boolean trickling;
            private int sent;

            Held(boolean trickling) throws IOException {
                this.trickling = trickling;
                channel = SocketChannel.open();
                channel.bind(new InetSocketAddress("127.0.0.2", 0)); // Linux routes all of 127/8 to loopback
                channel.connect(new InetSocketAddress("127.0.0.1", port)); // the kernel's backlog completes it
                channel.configureBlocking(false);
            }

            /** True once the server has closed it; a trickling one sends its next byte first if {@code trickle}. */
            boolean closedByServer(boolean trickle) {
                try {
                    int read = channel.read(ByteBuffer.allocate(256));
                    if (read > 0) {
                        answered++;
                        return true;
                    }
                    if (read < 0) {
                        if (trickling && sent > 1) {
                            closedAfterTrickling++;
                        }
                        return true;
                    }
                    if (trickle && trickling && sent < HEADER.length) {
                        channel.write(ByteBuffer.wrap(HEADER, sent, 1));
                        sent++;
                    }
                    return false;
                } catch (IOException reset) {
                    if (trickling && sent > 1) {
                        closedAfterTrickling++;
                    }
                    return true;
                }
            }

            void close() throws IOException {
                channel.close();
            }
        }
    }
}
