package com.tiktokmall.mtls.dropwizard.server;

import com.codahale.metrics.Meter;
import com.codahale.metrics.MetricRegistry;
import com.tiktokmall.mtls.HandshakeFailure;
import com.tiktokmall.mtls.Certificates;
import org.eclipse.jetty.io.ssl.SslHandshakeListener;
import org.eclipse.jetty.server.ServerConnector;

import javax.net.ssl.SSLEngine;

/**
 * Counts the handshakes of a connector ({@code tls.handshakes.succeeded}, {@code .failed}) and
 * logs refused ones with the reason in plain words and the peer's address: the first from an
 * address at once, then at most one line a minute per address with a count (a peer retrying in
 * a loop must not flood the log).
 */
final class HandshakeMonitor implements SslHandshakeListener {
    private final ServerConnector connector;
    private final SummarizedLog log;
    private final Meter succeeded;
    private final Meter failed;

    HandshakeMonitor(ServerConnector connector, MetricRegistry metrics, SummarizedLog log) {
        this.connector = connector;
        this.log = log;
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
        log.warn(engine.getPeerHost(), "TLS handshake refused on " + connector.getName() + " port "
                + connector.getLocalPort() + " from " + engine.getPeerHost() + ":" + engine.getPeerPort() + ": "
                + Certificates.printable(HandshakeFailure.explain(failure)));
    }
}
