package com.tiktokmall.mtls.dropwizard.server;

import com.codahale.metrics.Meter;
import com.codahale.metrics.MetricRegistry;
import com.tiktokmall.mtls.HandshakeFailure;
import org.eclipse.jetty.io.ssl.SslHandshakeListener;
import org.eclipse.jetty.server.ServerConnector;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import javax.net.ssl.SSLEngine;

/**
 * Counts the handshakes of a connector ({@code tls.handshakes.succeeded}, {@code .failed}) and
 * logs every refused one with the reason in plain words and the peer's address.
 */
final class HandshakeMonitor implements SslHandshakeListener {
    private static final Logger LOG = LoggerFactory.getLogger(HandshakeMonitor.class);

    private final ServerConnector connector;
    private final Meter succeeded;
    private final Meter failed;

    HandshakeMonitor(ServerConnector connector, MetricRegistry metrics) {
        this.connector = connector;
        this.succeeded = metrics.meter("tls.handshakes.succeeded");
        this.failed = metrics.meter("tls.handshakes.failed");
    }

    @Override
    public void handshakeSucceeded(Event event) {
        succeeded.mark();
    }

    @Override
    public void handshakeFailed(Event event, Throwable failure) {
        failed.mark();
        SSLEngine engine = event.getSSLEngine();
        LOG.warn("TLS handshake refused on {} port {} from {}:{}: {}", connector.getName(), connector.getLocalPort(),
                engine.getPeerHost(), engine.getPeerPort(), HandshakeFailure.explain(failure));
    }
}
