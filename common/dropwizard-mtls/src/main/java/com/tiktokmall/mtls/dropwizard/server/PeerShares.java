package com.tiktokmall.mtls.dropwizard.server;

import com.tiktokmall.mtls.SpiffeId;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpHeaderValue;
import org.eclipse.jetty.io.Connection;
import org.eclipse.jetty.io.ssl.SslConnection;
import org.eclipse.jetty.io.ssl.SslHandshakeListener;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.thread.Scheduler;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.UnknownHostException;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLPeerUnverifiedException;

/**
 * Fair shares of one connector, so that no peer can shut out the others:
 * <ul>
 * <li>before the handshake, by address: at most {@code limits.max_handshakes_per_address}
 *     handshakes in progress from one IP address; the next connection from it is closed at once;</li>
 * <li>after it, by identity: at most {@code limits.max_connections_per_peer} connections per
 *     SPIFFE ID; the next one is closed before it serves a request;</li>
 * <li>on an application port, a peer that holds no role there gets at most
 *     {@value #ROLELESS_SHARE} connections and one request on each, answered (403, by the
 *     resources) with {@code Connection: close}, and must send it within
 *     {@code tls.handshake_timeout}: it cannot sit on connections it has no use for.</li>
 * </ul>
 * Each refusal is counted per peer ({@link PeerMetrics}) and logged summarized. An IPv6 address
 * counts as its /64.
 */
final class PeerShares implements Connection.Listener, SslHandshakeListener, HttpConfiguration.Customizer {
    static final String NO_SPIFFE_ID = "none";
    /** How many connections a peer without a role may hold, each for one request. */
    static final int ROLELESS_SHARE = 4;
    /** How long a peer without a role may keep its side open once answered. */
    private static final Duration LINGER = Duration.ofSeconds(1);

    private final ServerConnector connector;
    private final String trustDomain;
    private final int perAddress;
    private final int perPeer;
    private final Duration firstRequestDeadline;
    private final PeerMetrics metrics;
    private final SummarizedLog log;
    private final Map<SSLEngine, Tracked> connections = new ConcurrentHashMap<>();
    private final Map<InetAddress, Integer> handshaking = new HashMap<>();
    private final Map<String, Integer> established = new HashMap<>();
    /** The identities holding a role on this connector; null where every peer may use it (the admin port). */
    private volatile Set<String> withRoles;

    PeerShares(ServerConnector connector, String trustDomain, int perAddress, int perPeer, Duration firstRequestDeadline,
               PeerMetrics metrics, SummarizedLog log) {
        this.connector = connector;
        this.trustDomain = trustDomain;
        this.perAddress = perAddress;
        this.perPeer = perPeer;
        this.firstRequestDeadline = firstRequestDeadline;
        this.metrics = metrics;
        this.log = log;
    }

    /** From now on, a peer not among {@code identities} holds no role on this connector. */
    void onlyWithRoles(Set<SpiffeId> identities) {
        withRoles = identities.stream().map(SpiffeId::toString).collect(Collectors.toUnmodifiableSet());
    }

    @Override
    public void onOpened(Connection connection) {
        if (!(connection instanceof SslConnection ssl)) {
            return;
        }
        InetAddress address = address(ssl.getEndPoint().getRemoteSocketAddress());
        boolean over;
        synchronized (this) {
            int count = handshaking.getOrDefault(address, 0);
            over = count >= perAddress;
            if (!over) {
                handshaking.put(address, count + 1);
            }
        }
        if (over) {
            metrics.refused(connector.getName(), "", "handshakes_per_address");
            log.warn(String.valueOf(address), "connection from " + address + " to " + where() + " closed: " + perAddress
                    + " TLS handshakes from that address are in progress (limits.max_handshakes_per_address)");
            ssl.getEndPoint().close();
            return;
        }
        connections.put(ssl.getSSLEngine(), new Tracked(ssl, address));
    }

    @Override
    public void handshakeSucceeded(Event event) {
        Tracked connection = connections.get(event.getSSLEngine());
        if (connection == null) {
            return;
        }
        String peer = identity(event.getSSLEngine(), trustDomain);
        Set<String> roles = withRoles;
        boolean roleless = roles != null && !roles.contains(peer);
        int share = roleless ? Math.min(perPeer, ROLELESS_SHARE) : perPeer;
        boolean over;
        synchronized (this) {
            if (connections.get(event.getSSLEngine()) != connection) {
                return; // closed meanwhile: onClosed has settled its counts
            }
            handshakeEnded(connection);
            int count = established.getOrDefault(peer, 0);
            over = count >= share;
            if (!over) {
                established.put(peer, count + 1);
                connection.peer = peer;
            }
        }
        if (over) {
            metrics.refused(connector.getName(), peer, "connections_per_peer");
            log.warn(peer, "connection of " + peer + " from " + connection.address + " to " + where() + " closed: it"
                    + " holds " + share + " connections already (" + (roleless ? "a peer without a role here holds at most "
                    + ROLELESS_SHARE : "limits.max_connections_per_peer") + ")");
            connection.ssl.getEndPoint().close();
            return;
        }
        if (roleless) {
            connection.roleless = true;
            connection.deadline = connector.getScheduler().schedule(() -> closeIfNoRequest(connection),
                    firstRequestDeadline.toMillis(), TimeUnit.MILLISECONDS);
        }
    }

    @Override
    public void handshakeFailed(Event event, Throwable failure) {
        Tracked connection = connections.get(event.getSSLEngine());
        if (connection != null) {
            synchronized (this) {
                handshakeEnded(connection);
            }
        }
    }

    @Override
    public void onClosed(Connection connection) {
        if (!(connection instanceof SslConnection ssl)) {
            return;
        }
        Tracked closed = connections.remove(ssl.getSSLEngine());
        if (closed == null) {
            return;
        }
        if (closed.deadline != null) {
            closed.deadline.cancel();
        }
        synchronized (this) {
            handshakeEnded(closed);
            if (closed.peer != null) {
                established.computeIfPresent(closed.peer, (peer, count) -> count == 1 ? null : count - 1);
            }
        }
    }

    /** A peer without a role here: its one request is answered, then the connection closes. */
    @Override
    public Request customize(Request request, HttpFields.Mutable responseHeaders) {
        if (request.getConnectionMetaData().getConnection().getEndPoint() instanceof SslConnection.SslEndPoint endPoint) {
            Tracked connection = connections.get(endPoint.getSslConnection().getSSLEngine());
            if (connection != null && connection.roleless) {
                connection.requested = true;
                responseHeaders.put(HttpHeader.CONNECTION, HttpHeaderValue.CLOSE.asString());
                // Jetty then waits for the peer to close its side, up to the idle timeout: not that long.
                Request.addCompletionListener(request, failure -> connection.ssl.getEndPoint().setIdleTimeout(
                        LINGER.toMillis()));
            }
        }
        return request;
    }

    private void closeIfNoRequest(Tracked connection) {
        if (connection.requested || !connection.ssl.getEndPoint().isOpen()) {
            return;
        }
        metrics.closed(connector.getName(), connection.peer, "no_role");
        log.warn(connection.peer, "connection of " + connection.peer + " from " + connection.address + " to " + where()
                + " closed: that peer holds no role here (authorization.peers) and sent no request within "
                + firstRequestDeadline.toSeconds() + " s (tls.handshake_timeout)");
        connection.ssl.getEndPoint().close();
    }

    /** Once per connection: its handshake no longer counts against its address. */
    private void handshakeEnded(Tracked connection) {
        if (connection.handshaking) {
            connection.handshaking = false;
            handshaking.computeIfPresent(connection.address, (address, count) -> count == 1 ? null : count - 1);
        }
    }

    /** The peer's SPIFFE ID in {@code trustDomain}, or {@value #NO_SPIFFE_ID} when its certificate has none. */
    static String identity(SSLEngine engine, String trustDomain) {
        try {
            X509Certificate leaf = (X509Certificate) engine.getSession().getPeerCertificates()[0];
            return SpiffeId.fromCertificate(leaf, trustDomain).map(SpiffeId::toString).orElse(NO_SPIFFE_ID);
        } catch (SSLPeerUnverifiedException | RuntimeException noCertificate) {
            return NO_SPIFFE_ID;
        }
    }

    private String where() {
        return connector.getName() + " port " + connector.getLocalPort();
    }

    /** The peer's address; an IPv6 one as its /64, which one host commonly holds whole. */
    private static InetAddress address(SocketAddress remote) {
        if (!(remote instanceof InetSocketAddress inet)) {
            return InetAddress.getLoopbackAddress();
        }
        InetAddress address = inet.getAddress();
        if (address instanceof Inet6Address) {
            byte[] prefix = Arrays.copyOf(address.getAddress(), 16);
            Arrays.fill(prefix, 8, 16, (byte) 0);
            try {
                return InetAddress.getByAddress(prefix);
            } catch (UnknownHostException cannotHappen) {
                return address;
            }
        }
        return address;
    }

    /** One connection: where from, whose, and whether it still counts as a handshake in progress. */
    private static final class Tracked {
        private final SslConnection ssl;
        private final InetAddress address;
        private boolean handshaking = true;
        private volatile String peer;
        private volatile boolean roleless;
        private volatile boolean requested;
        private volatile Scheduler.Task deadline;

        Tracked(SslConnection ssl, InetAddress address) {
            this.ssl = ssl;
            this.address = address;
        }
    }
}
