package com.tiktokmall.mtls.dropwizard.server;

import com.codahale.metrics.Meter;
import org.eclipse.jetty.io.Connection;
import org.eclipse.jetty.io.ssl.SslConnection;
import org.eclipse.jetty.io.ssl.SslHandshakeListener;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.thread.Scheduler;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLEngine;

/**
 * Closes a connection whose TLS handshake has not completed {@code tls.handshake_timeout} after
 * it opened. Jetty's idle timeout cannot do it: every byte resets it, so a peer trickling one
 * byte every few seconds would hold its connection (and a file descriptor) forever.
 */
final class HandshakeDeadline implements Connection.Listener, SslHandshakeListener {
    private final ServerConnector connector;
    private final Duration timeout;
    private final Meter timedOut;
    private final SummarizedLog log;
    private final Map<SSLEngine, Scheduler.Task> pending = new ConcurrentHashMap<>();

    HandshakeDeadline(ServerConnector connector, Duration timeout, Meter timedOut, SummarizedLog log) {
        this.connector = connector;
        this.timeout = timeout;
        this.timedOut = timedOut;
        this.log = log;
    }

    @Override
    public void onOpened(Connection connection) {
        if (connection instanceof SslConnection ssl) {
            pending.put(ssl.getSSLEngine(), connector.getScheduler().schedule(() -> expire(ssl), timeout.toMillis(),
                    TimeUnit.MILLISECONDS));
        }
    }

    @Override
    public void onClosed(Connection connection) {
        if (connection instanceof SslConnection ssl) {
            done(ssl.getSSLEngine());
        }
    }

    @Override
    public void handshakeSucceeded(Event event) {
        done(event.getSSLEngine());
    }

    @Override
    public void handshakeFailed(Event event, Throwable failure) {
        done(event.getSSLEngine());
    }

    private void done(SSLEngine engine) {
        Scheduler.Task deadline = pending.remove(engine);
        if (deadline != null) {
            deadline.cancel();
        }
    }

    private void expire(SslConnection ssl) {
        if (pending.remove(ssl.getSSLEngine()) == null) {
            return;
        }
        timedOut.mark();
        SSLEngine engine = ssl.getSSLEngine();
        log.warn(engine.getPeerHost(), "TLS handshake on " + connector.getName() + " port " + connector.getLocalPort()
                + " from " + engine.getPeerHost() + ":" + engine.getPeerPort() + " not completed within "
                + timeout.toSeconds() + " s (tls.handshake_timeout): connection closed");
        ssl.getEndPoint().close();
    }
}
