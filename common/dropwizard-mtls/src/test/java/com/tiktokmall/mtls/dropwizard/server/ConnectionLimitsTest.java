package com.tiktokmall.mtls.dropwizard.server;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import com.tiktokmall.mtls.testing.EchoApplication;
import com.tiktokmall.mtls.testing.RawHttps;
import com.tiktokmall.mtls.testing.TestPki;
import io.dropwizard.testing.ResourceHelpers;
import io.dropwizard.testing.junit5.DropwizardAppExtension;
import io.dropwizard.testing.junit5.DropwizardExtensionsSupport;
import org.eclipse.jetty.server.Connector;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import javax.net.ssl.SSLContext;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Slow and many peers cannot take a connector over: a handshake that trickles in is closed at
 * {@code tls.handshake_timeout}, at most {@code limits.max_connections} are open, and accept
 * failures cost one log line.
 */
@ExtendWith(DropwizardExtensionsSupport.class)
class ConnectionLimitsTest {
    private static final Duration DEADLINE = Duration.ofSeconds(2);
    private static final int MAX_CONNECTIONS = 320;
    private static final int TRICKLING = 300;
    private static final TestPki PKI = TestPki.create();
    private static final DropwizardAppExtension<EchoApplication.EchoConfiguration> APP = new DropwizardAppExtension<>(
            EchoApplication.class, ResourceHelpers.resourceFilePath("echo.yml"), TestPki.overrides(settings()));
    private static final ListAppender<ILoggingEvent> CONNECTOR_LOG = new ListAppender<>();

    private static SSLContext gateway;

    private static Map<String, String> settings() {
        Map<String, String> settings = new HashMap<>(PKI.tlsSettings("echo"));
        settings.put("tls.handshake_timeout", DEADLINE.toSeconds() + "s");
        settings.put("limits.max_connections", Integer.toString(MAX_CONNECTIONS));
        // All from one address here: the per-address share is FairSharesTest's.
        settings.put("limits.max_handshakes_per_address", Integer.toString(MAX_CONNECTIONS));
        return settings;
    }

    @BeforeAll
    static void listen() {
        gateway = PKI.issue("gateway").rawClientContext(PKI.ca().certificate());
        CONNECTOR_LOG.start();
        ((Logger) LoggerFactory.getLogger(MtlsServerConnector.class)).addAppender(CONNECTOR_LOG);
    }

    @AfterAll
    static void stopListening() {
        ((Logger) LoggerFactory.getLogger(MtlsServerConnector.class)).detachAppender(CONNECTOR_LOG);
    }

    @Test
    void handshakesTricklingInAreClosedAtTheDeadlineWhileOtherClientsAreServed() throws Exception {
        List<SocketChannel> open = new ArrayList<>();
        List<Long> closedAfterMillis = new ArrayList<>();
        int served = 0;
        try {
            for (int i = 0; i < TRICKLING; i++) {
                SocketChannel channel = SocketChannel.open(new InetSocketAddress("127.0.0.1", APP.getLocalPort()));
                channel.write(ByteBuffer.wrap(new byte[] {0x16, 0x03, 0x01})); // a TLS handshake record begins
                channel.configureBlocking(false);
                open.add(channel);
            }
            long start = System.nanoTime();
            long nextByte = start;
            // Bounded: well past the deadline, never as long as the idle timeout (30 s) every byte resets.
            while (!open.isEmpty() && System.nanoTime() - start < Duration.ofSeconds(12).toNanos()) {
                boolean trickle = System.nanoTime() >= nextByte;
                if (trickle) {
                    nextByte += Duration.ofSeconds(1).toNanos();
                }
                for (var it = open.iterator(); it.hasNext(); ) {
                    SocketChannel channel = it.next();
                    if (closedByServer(channel, trickle)) {
                        closedAfterMillis.add(Duration.ofNanos(System.nanoTime() - start).toMillis());
                        channel.close();
                        it.remove();
                    }
                }
                assertThat(RawHttps.get(gateway, "localhost", APP.getLocalPort(), "/whoami").status()).isEqualTo(200);
                served++;
                Thread.sleep(100);
            }
        } finally {
            for (SocketChannel channel : open) {
                channel.close();
            }
        }

        assertThat(open).as("trickling connections still open").isEmpty();
        assertThat(closedAfterMillis).hasSize(TRICKLING).allSatisfy(millis -> assertThat(millis)
                .as("closed by the deadline").isLessThan(DEADLINE.toMillis() + 6000));
        assertThat(served).isGreaterThanOrEqualTo(5);
        assertThat(APP.getEnvironment().metrics().meter("tls.handshakes.timed-out").getCount())
                .isGreaterThanOrEqualTo(TRICKLING);
    }

    @Test
    void pastTheConnectionLimitANewClientWaitsUntilOneCloses() throws Exception {
        long reachedBefore = APP.getEnvironment().metrics().meter("connections.limit-reached").getCount();
        List<SocketChannel> idle = new ArrayList<>();
        try {
            for (int i = 0; i < MAX_CONNECTIONS; i++) {
                idle.add(SocketChannel.open(new InetSocketAddress("127.0.0.1", APP.getLocalPort())));
            }
            long start = System.nanoTime();

            RawHttps.Response answer = RawHttps.get(gateway, "localhost", APP.getLocalPort(), "/whoami");

            assertThat(answer.status()).as(answer.toString()).isEqualTo(200);
            assertThat(Duration.ofNanos(System.nanoTime() - start)).as("waited for the idle ones to time out")
                    .isGreaterThan(Duration.ofMillis(500));
        } finally {
            for (SocketChannel channel : idle) {
                channel.close();
            }
        }
        assertThat(APP.getEnvironment().metrics().meter("connections.limit-reached").getCount()).isGreaterThan(reachedBefore);
        assertThat(CONNECTOR_LOG.list).extracting(ILoggingEvent::getFormattedMessage)
                .anySatisfy(line -> assertThat(line).startsWith("connection limit " + MAX_CONNECTIONS
                        + " reached on application port " + APP.getLocalPort()));
    }

    @Test
    void acceptFailuresAreCountedAndLoggedOnceWithoutAStackTrace() {
        MtlsServerConnector connector = applicationConnector();
        long before = APP.getEnvironment().metrics().meter("connections.accept-failures").getCount();
        int linesBefore = CONNECTOR_LOG.list.size();

        assertThat(connector.handleAcceptFailure(new IOException("Too many open files"))).isTrue();
        assertThat(connector.handleAcceptFailure(new IOException("Too many open files"))).isTrue();

        assertThat(APP.getEnvironment().metrics().meter("connections.accept-failures").getCount()).isEqualTo(before + 2);
        List<ILoggingEvent> lines = CONNECTOR_LOG.list.subList(linesBefore, CONNECTOR_LOG.list.size());
        assertThat(lines).singleElement().satisfies(line -> {
            assertThat(line.getFormattedMessage()).isEqualTo("cannot accept a connection on application port "
                    + APP.getLocalPort() + ": java.io.IOException: Too many open files");
            assertThat(line.getThrowableProxy()).isNull();
        });
    }

    /** True once the server has closed {@code channel}; with {@code trickle}, one more byte is sent first. */
    private static boolean closedByServer(SocketChannel channel, boolean trickle) {
        try {
            if (channel.read(ByteBuffer.allocate(64)) < 0) {
                return true;
            }
            if (trickle) {
                channel.write(ByteBuffer.wrap(new byte[] {0x02}));
            }
            return false;
        } catch (IOException reset) {
            return true;
        }
    }

    private static MtlsServerConnector applicationConnector() {
        for (Connector connector : APP.getEnvironment().getApplicationContext().getServer().getConnectors()) {
            if (connector instanceof MtlsServerConnector mtls && mtls.getLocalPort() == APP.getLocalPort()) {
                return mtls;
            }
        }
        throw new AssertionError("no mTLS connector on port " + APP.getLocalPort());
    }
}
