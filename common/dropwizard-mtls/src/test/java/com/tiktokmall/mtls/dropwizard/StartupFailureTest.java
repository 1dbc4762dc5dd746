package com.tiktokmall.mtls.dropwizard;

import com.tiktokmall.mtls.TlsException;
import com.tiktokmall.mtls.testing.EchoApplication;
import com.tiktokmall.mtls.testing.Ports;
import com.tiktokmall.mtls.testing.TestPki;
import io.dropwizard.testing.DropwizardTestSupport;
import io.dropwizard.testing.ResourceHelpers;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** A broken tls block stops the service before any of its ports opens, naming the setting and the file. */
class StartupFailureTest {
    private static final TestPki PKI = TestPki.create();

    @Test
    void missingCertificateStopsStartupBeforeAnyPortOpens() throws Exception {
        int application = Ports.free();
        int admin = Ports.free();
        int probes = Ports.free();
        Map<String, String> settings = PKI.tlsSettings("echo");
        settings.put("tls.server_cert", PKI.dir().resolve("missing.pem").toString());
        settings.put("server.applicationConnectors[0].port", Integer.toString(application));
        settings.put("server.adminConnectors[0].port", Integer.toString(admin));
        settings.put("probes.port", Integer.toString(probes));
        settings.put("probes.bind_host", "127.0.0.1");
        DropwizardTestSupport<EchoApplication.EchoConfiguration> app = new DropwizardTestSupport<>(EchoApplication.class,
                ResourceHelpers.resourceFilePath("echo.yml"), TestPki.overrides(settings));

        try (PortWatch watch = PortWatch.start(application, admin, probes)) {
            int probesBefore = watch.probes();
            assertThatThrownBy(app::before)
                    .isInstanceOf(TlsException.class)
                    .hasMessageStartingWith("tls.server_cert (" + PKI.dir().resolve("missing.pem") + "): the file does not exist");
            int probesDuring = watch.probes() - probesBefore;
            watch.probeOnceMore();

            assertThat(probesDuring).as("rounds of dialling every port while start-up was failing").isPositive();
            assertThat(watch.accepted()).as("connections the application, admin and probe ports accepted during and"
                    + " right after the failed start-up").isEmpty();
        } finally {
            app.after();
        }
    }

    @Test
    void thePortWatchSeesAPortThatOpens() throws Exception {
        int port = Ports.free();
        try (PortWatch watch = PortWatch.start(Ports.free(), port); ServerSocket listening = new ServerSocket()) {
            listening.bind(new InetSocketAddress("127.0.0.1", port));
            watch.probeOnceMore();

            assertThat(watch.accepted()).containsKey(port).hasSize(1);
        }
    }

    /**
     * Dials ports over and over from the moment it is started until it is closed, counting the
     * connections each accepted: a port that opened for a moment during start-up is seen.
     */
    private static final class PortWatch implements AutoCloseable {
        private final int[] ports;
        private final AtomicBoolean running = new AtomicBoolean(true);
        private final AtomicInteger probes = new AtomicInteger();
        private final Map<Integer, Integer> accepted = new ConcurrentHashMap<>();
        private final CountDownLatch firstProbe = new CountDownLatch(1);
        private final Thread thread;

        private PortWatch(int... ports) {
            this.ports = ports;
            this.thread = new Thread(this::run, "port-watch");
        }

        /** Starts dialling, and returns once the first round of attempts was made. */
        static PortWatch start(int... ports) throws InterruptedException {
            PortWatch watch = new PortWatch(ports);
            watch.thread.start();
            if (!watch.firstProbe.await(10, TimeUnit.SECONDS)) {
                throw new AssertionError("the port watch did not start");
            }
            return watch;
        }

        /** Returns after one more complete attempt, so the last state of the port is counted. */
        void probeOnceMore() {
            int target = probes.get() + 2;
            while (probes.get() < target && thread.isAlive()) {
                Thread.onSpinWait();
            }
        }

        int probes() {
            return probes.get();
        }

        /** Port to the connections it accepted, for every port that accepted one. */
        Map<Integer, Integer> accepted() {
            return Map.copyOf(accepted);
        }

        private void run() {
            while (running.get()) {
                for (int port : ports) {
                    try (Socket socket = new Socket()) {
                        socket.connect(new InetSocketAddress("127.0.0.1", port), 200);
                        accepted.merge(port, 1, Integer::sum);
                    } catch (IOException refused) {
                        // nothing listens, as it should be
                    }
                }
                probes.incrementAndGet();
                firstProbe.countDown();
            }
        }

        @Override
        public void close() throws InterruptedException {
            running.set(false);
            thread.join(5_000);
        }
    }
}
