package com.tiktokmall.mtls.dropwizard;

import com.tiktokmall.mtls.HandshakeFailure;
import org.eclipse.jetty.io.ssl.SslHandshakeListener;
import org.eclipse.jetty.server.ServerConnector;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import javax.net.ssl.SSLEngine;

/** Logs every refused handshake on a connector, with the reason in plain words and the peer's address. */
final class HandshakeFailureLog implements SslHandshakeListener {
    private static final Logger LOG = LoggerFactory.getLogger(HandshakeFailureLog.class);

    private final ServerConnector connector;

    HandshakeFailureLog(ServerConnector connector) {
        this.connector = connector;
    }

    @Override
    public void handshakeFailed(Event event, Throwable failure) {
        SSLEngine engine = event.getSSLEngine();
        LOG.warn("TLS handshake refused on {} port {} from {}:{}: {}", connector.getName(), connector.getLocalPort(),
                engine.getPeerHost(), engine.getPeerPort(), HandshakeFailure.explain(failure));
    }
}
