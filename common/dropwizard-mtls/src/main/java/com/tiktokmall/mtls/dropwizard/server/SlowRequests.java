package com.tiktokmall.mtls.dropwizard.server;

import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.io.Connection;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.io.EndPoint;
import org.eclipse.jetty.io.ssl.SslConnection;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.ServerConnector;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Closes a connection whose request is still arriving {@code limits.request_read_timeout} after
 * it began: headers not complete, or a body the service began to read and has not read to its end. Jetty's idle
 * timeout cannot do it, as every byte restarts it: a peer sending a byte every few seconds would
 * hold the connection, and in a body a thread, for as long as it liked. Once a second it looks at
 * every open connection: bytes received since its last request ended, with no request begun,
 * are headers arriving; a request being handled whose body the service reads, not yet to the end, is
 * a body arriving (the time counts from its first read). A connection between requests is left to the idle timeout.
 */
final class SlowRequests implements HttpConfiguration.Customizer {
    /** How often {@link #sweep()} should run. */
    static final Duration SWEEP = Duration.ofSeconds(1);

    private final ServerConnector connector;
    private final Duration timeout;
    private final String trustDomain;
    private final PeerMetrics metrics;
    private final SummarizedLog log;
    private final Map<EndPoint, Arrivals> connections = new ConcurrentHashMap<>();

    SlowRequests(ServerConnector connector, Duration timeout, String trustDomain, PeerMetrics metrics, SummarizedLog log) {
        this.connector = connector;
        this.timeout = timeout;
        this.trustDomain = trustDomain;
        this.metrics = metrics;
        this.log = log;
    }

    /** A request whose headers are complete: from now on its body, if it has one, is watched until read. */
    @Override
    public Request customize(Request request, HttpFields.Mutable responseHeaders) {
        if (!(request.getConnectionMetaData().getConnection().getEndPoint() instanceof SslConnection.SslEndPoint plain)) {
            return request;
        }
        EndPoint network = plain.getSslConnection().getEndPoint();
        Connection http = request.getConnectionMetaData().getConnection();
        Arrivals arrivals = connections.computeIfAbsent(network, endPoint -> new Arrivals());
        boolean body = request.getLength() > 0
                || request.getLength() < 0 && request.getHeaders().contains(HttpHeader.TRANSFER_ENCODING);
        Handled handled = new Handled(!body);
        arrivals.handled = handled;
        arrivals.headersSince = 0;
        Request.addCompletionListener(request, failure -> {
            arrivals.bytesWhenIdle = http.getBytesIn();
            arrivals.handled = null;
        });
        long length = request.getLength();
        return body ? new Request.Wrapper(request) {
            private long received;

            @Override
            public Content.Chunk read() {
                handled.reading();
                Content.Chunk chunk = super.read();
                if (chunk != null) {
                    received += chunk.remaining();
                    // Read to its end, or every declared byte read (a parser need not ask for the end).
                    handled.read = chunk.isLast() || length > 0 && received >= length;
                }
                return chunk;
            }
        } : request;
    }

    /** Closes the connections whose request has been arriving for too long; run every {@link #SWEEP}. */
    void sweep() {
        long now = System.nanoTime();
        connections.keySet().removeIf(endPoint -> !endPoint.isOpen());
        for (EndPoint endPoint : connector.getConnectedEndPoints()) {
            if (endPoint.getConnection() instanceof SslConnection ssl && ssl.getSslEndPoint().getConnection() != null) {
                check(endPoint, ssl, now);
            }
        }
    }

    private void check(EndPoint endPoint, SslConnection ssl, long now) {
        Arrivals arrivals = connections.computeIfAbsent(endPoint, e -> new Arrivals());
        Handled handled = arrivals.handled;
        long since;
        if (handled != null) {
            if (handled.read || handled.readingSince == 0) {
                return; // a body not asked for is the service's business, not the peer's
            }
            since = handled.readingSince;
        } else if (ssl.getSslEndPoint().getConnection().getBytesIn() > arrivals.bytesWhenIdle) {
            if (arrivals.headersSince == 0) {
                arrivals.headersSince = now;
            }
            since = arrivals.headersSince;
        } else {
            arrivals.headersSince = 0;
            return;
        }
        if (now - since >= timeout.toNanos()) {
            connections.remove(endPoint);
            String peer = PeerShares.identity(ssl.getSSLEngine(), trustDomain);
            metrics.closed(connector.getName(), peer, "slow_request");
            log.warn(peer, "request of " + peer + " from " + endPoint.getRemoteSocketAddress() + " on "
                    + connector.getName() + " port " + connector.getLocalPort() + " still arriving after "
                    + timeout.toSeconds() + " s (limits.request_read_timeout): connection closed");
            endPoint.close();
        }
    }

    /** What arrives on one connection: the request being handled, or bytes of the next one since when. */
    private static final class Arrivals {
        private volatile Handled handled;
        private volatile long bytesWhenIdle;
        private volatile long headersSince;
    }

    /** A request being handled: since when the service reads its body, and whether it has read it to the end. */
    private static final class Handled {
        private volatile long readingSince;
        private volatile boolean read;

        Handled(boolean read) {
            this.read = read;
        }

        void reading() {
            if (readingSince == 0) {
                readingSince = System.nanoTime();
            }
        }
    }
}
