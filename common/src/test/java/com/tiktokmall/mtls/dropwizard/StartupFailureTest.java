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
import java.net.Socket;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** A broken tls block stops the service before any port opens, naming the setting and the file. */
class StartupFailureTest {
    private static final TestPki PKI = TestPki.create();

    @Test
    void missingCertificateStopsStartupBeforeAnyPortOpens() throws Exception {
        int port = Ports.free();
        Map<String, String> settings = PKI.tlsSettings("echo");
        settings.put("tls.server_cert", PKI.dir().resolve("missing.pem").toString());
        settings.put("server.applicationConnectors[0].port", Integer.toString(port));
        DropwizardTestSupport<EchoApplication.EchoConfiguration> app = new DropwizardTestSupport<>(EchoApplication.class,
                ResourceHelpers.resourceFilePath("echo.yml"), TestPki.overrides(settings));

        try (PortWatch watch = PortWatch.start(port)) {
            int probesBefore = watch.probes();
            assertThatThrownBy(app::before)
                    .isInstanceOf(TlsException.class)
                    .hasMessageStartingWith("tls.server_cert (" + PKI.dir().resolve("missing.pem") + "): the file does not exist");
            int probesDuring = watch.probes() - probesBefore;
            watch.probeOnceMore();

            assertThat(probesDuring).as("probes made while start-up was failing").isPositive();
            assertThat(watch.accepted()).as("connections the port accepted during and right after the failed start-up")
                    .isZero();
        } finally {
            app.after();
        }
    }

    /**
     * Dials a port over and over from the moment it is started until it is closed, counting the
     * connections accepted: a port that opened for a moment during start-up is seen.
     */
    private static final class PortWatch implements AutoCloseable {
        private final int port;
        private final AtomicBoolean running = new AtomicBoolean(true);
        private final AtomicInteger probes = new AtomicInteger();
        private final AtomicInteger accepted = new AtomicInteger();
        private final CountDownLatch firstProbe = new CountDownLatch(1);
        private final Thread thread;

        private PortWatch(int port) {
            this.port = port;
            this.thread = new Thread(this::run, "port-watch-" + port);
        }

        /** Starts dialling, and returns once the first attempt was made. */
        static PortWatch start(int port) throws InterruptedException {
            PortWatch watch = new PortWatch(port);
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

        int accepted() {
            return accepted.get();
        }

        private void run() {
            while (running.get()) {
                try (Socket socket = new Socket()) {
                    socket.connect(new InetSocketAddress("127.0.0.1", port), 200);
                    accepted.incrementAndGet();
                } catch (IOException refused) {
                    // nothing listens, as it should be
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
