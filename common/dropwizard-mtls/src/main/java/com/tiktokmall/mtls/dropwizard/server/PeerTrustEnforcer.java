package com.tiktokmall.mtls.dropwizard.server;

import com.tiktokmall.mtls.HandshakeFailure;
import com.tiktokmall.mtls.Certificates;
import com.tiktokmall.mtls.source.TlsMaterial;
import com.tiktokmall.mtls.source.TlsSource;
import org.eclipse.jetty.http.HttpException;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpHeaderValue;
import org.eclipse.jetty.http.HttpStatus;
import org.eclipse.jetty.io.Connection;
import org.eclipse.jetty.io.ssl.SslConnection;
import org.eclipse.jetty.io.ssl.SslHandshakeListener;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpStream;
import org.eclipse.jetty.server.Request;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.Collections;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSession;
import javax.net.ssl.SSLSessionContext;

/**
 * Holds open connections to the current trust: when new material arrives, every connection whose
 * peer it no longer accepts (its CA was removed from ca_cert, or its certificate was revoked) is
 * retired gracefully. A handshake that began under the old material is checked again when it
 * completes.
 *
 * <p>Retiring a connection, without a race that costs a caller a request:
 * <ul>
 *   <li>idle (no request in flight): closed at once;</li>
 *   <li>a request in flight: it is answered, its response carrying {@code Connection: close} if it
 *       is not committed yet, and the connection is closed when it completes, before Jetty reads
 *       another request from it;</li>
 *   <li>a request admitted after the retirement (it crossed the closing): never served and never
 *       answered, its connection closed, so that the caller sees a connection closed before any
 *       response and may send it again.</li>
 * </ul>
 * Admission is the moment this customizer counts a request in flight; the retirement sets its
 * flag before it looks at that count, and a request counts itself before it looks at the flag,
 * so of the two at least one sees the other.
 *
 * <p>Time ends trust too: a request on a connection whose peer certificate has expired (or is not
 * valid yet) is refused with 403 and {@code Connection: close}; such connections, idle or resumed,
 * are closed within one {@code reload_interval}, and TLS sessions made with an expired certificate
 * are invalidated so they cannot be resumed.
 */
final class PeerTrustEnforcer implements Connection.Listener, SslHandshakeListener, HttpConfiguration.Customizer {
    private static final Logger LOG = LoggerFactory.getLogger(PeerTrustEnforcer.class);

    private final TlsSource material;
    private final Supplier<SSLContext> serving;
    private final Map<SSLEngine, Tracked> open = new ConcurrentHashMap<>();

    /** @param serving the connector's current server context, whose sessions are its own; null before it has one */
    PeerTrustEnforcer(TlsSource material, Supplier<SSLContext> serving) {
        this.material = material;
        this.serving = serving;
        material.afterEveryCheck(this::endExpired);
    }

    /** Closes the open connections that {@code next} no longer trusts; call it once new handshakes use {@code next}. */
    void enforce(TlsMaterial next) {
        open.values().forEach(connection -> enforce(connection, next));
    }

    @Override
    public void onOpened(Connection connection) {
        if (connection instanceof SslConnection ssl) {
            open.put(ssl.getSSLEngine(), new Tracked(ssl, material.current()));
        }
    }

    @Override
    public void onClosed(Connection connection) {
        if (connection instanceof SslConnection ssl) {
            open.remove(ssl.getSSLEngine());
        }
    }

    @Override
    public void handshakeSucceeded(Event event) {
        Tracked connection = open.get(event.getSSLEngine());
        if (connection == null) {
            return;
        }
        if (expired(connection)) { // a session resumed with a certificate that has expired since
            event.getSSLEngine().getSession().invalidate();
            retire(connection, "its client certificate is no longer valid");
            return;
        }
        TlsMaterial current = material.current();
        if (connection.checkedUnder != current) {
            enforce(connection, current);
        }
    }

    @Override
    public Request customize(Request request, HttpFields.Mutable responseHeaders) {
        if (!(request.getConnectionMetaData().getConnection().getEndPoint() instanceof SslConnection.SslEndPoint endPoint)) {
            return request;
        }
        Tracked connection = open.get(endPoint.getSslConnection().getSSLEngine());
        if (connection == null) {
            return request;
        }
        if (expired(connection)) {
            // Not closed here: the 403 below is sent first, with Connection: close.
            if (!connection.retired) {
                connection.retired = true;
                LOG.info("refusing a request from {} and closing its connection: its client certificate is no longer"
                        + " valid", connection.ssl.getEndPoint().getRemoteSocketAddress());
            }
            responseHeaders.put(HttpHeader.CONNECTION, HttpHeaderValue.CLOSE.asString());
            throw new HttpException.RuntimeException(HttpStatus.FORBIDDEN_403,
                    "this connection's client certificate is no longer trusted");
        }
        connection.inFlight.incrementAndGet(); // admitted, unless the connection is already retired:
        if (connection.retired) {
            // This request crossed the closing of its connection: the peer is no longer trusted, and
            // nothing of the request has been served. No answer either: the caller sees its connection
            // closed before any response, which it may send again on a new connection.
            LOG.debug("a request from {} crossed the closing of its connection: closed unanswered",
                    connection.ssl.getEndPoint().getRemoteSocketAddress());
            connection.ssl.close();
            throw new HttpException.RuntimeException(HttpStatus.FORBIDDEN_403,
                    "this connection's client certificate is no longer trusted");
        }
        request.addHttpStreamWrapper(stream -> new Admitted(stream, connection));
        return request;
    }

    /** Once per interval: ends connections and TLS sessions whose peer certificate is no longer valid. */
    private void endExpired() {
        open.values().stream().filter(connection -> !connection.retired && expired(connection))
                .forEach(connection -> retire(connection, "its client certificate is no longer valid"));
        SSLContext context = serving.get();
        if (context == null) {
            return;
        }
        SSLSessionContext sessions = context.getServerSessionContext();
        for (byte[] id : Collections.list(sessions.getIds())) {
            SSLSession session = sessions.getSession(id);
            if (session != null && !validNow(peerLeaf(session))) {
                session.invalidate();
            }
        }
    }

    private boolean expired(Tracked connection) {
        SSLSession session = connection.ssl.getSSLEngine().getSession();
        X509Certificate leaf = peerLeaf(session);
        return leaf != null && !validNow(leaf);
    }

    private boolean validNow(X509Certificate leaf) {
        if (leaf == null) {
            return true;
        }
        Instant now = material.options().clock().instant();
        return !now.isBefore(leaf.getNotBefore().toInstant()) && !now.isAfter(leaf.getNotAfter().toInstant());
    }

    private static X509Certificate peerLeaf(SSLSession session) {
        try {
            return (X509Certificate) session.getPeerCertificates()[0];
        } catch (SSLPeerUnverifiedException handshakeNotDoneYet) {
            return null;
        }
    }

    private static void enforce(Tracked connection, TlsMaterial current) {
        connection.checkedUnder = current;
        try {
            X509Certificate[] chain = (X509Certificate[]) connection.ssl.getSSLEngine().getSession().getPeerCertificates();
            current.server().trust().trustManager().checkClientTrusted(chain, "UNKNOWN");
        } catch (SSLPeerUnverifiedException handshakeNotDoneYet) {
            connection.checkedUnder = null; // its engine may predate the swap: check when the handshake completes
        } catch (CertificateException refused) {
            retire(connection, Certificates.printable(HandshakeFailure.explain(refused)));
        }
    }

    /** Closes the connection now if idle, else when its request in flight completes (see the class comment). */
    private static void retire(Tracked connection, String why) {
        connection.retired = true; // first: a request admitted from now on sees it
        boolean idle = connection.inFlight.get() == 0;
        LOG.info("closing the connection from {} {}: {}", connection.ssl.getEndPoint().getRemoteSocketAddress(),
                idle ? "now (idle)" : "once its request in flight is answered", why);
        if (idle) {
            connection.ssl.close();
        }
    }

    /** One open TLS connection: the material it was last checked under, and its requests in flight. */
    private static final class Tracked {
        private final SslConnection ssl;
        private final AtomicInteger inFlight = new AtomicInteger();
        private volatile TlsMaterial checkedUnder;
        private volatile boolean retired;

        Tracked(SslConnection ssl, TlsMaterial checkedUnder) {
            this.ssl = ssl;
            this.checkedUnder = checkedUnder;
        }
    }

    /**
     * An admitted request: its response says {@code Connection: close} if the connection was
     * retired before the response was committed, and its completion closes a retired connection
     * (the listeners run before Jetty's HTTP/1.1 connection reads the next request).
     */
    private static final class Admitted extends HttpStream.Wrapper {
        private final Tracked connection;

        Admitted(HttpStream stream, Tracked connection) {
            super(stream);
            this.connection = connection;
        }

        @Override
        public void prepareResponse(HttpFields.Mutable headers) {
            if (connection.retired) {
                headers.put(HttpHeader.CONNECTION, HttpHeaderValue.CLOSE.asString());
            }
            super.prepareResponse(headers);
        }

        @Override
        public void succeeded() {
            completed();
            super.succeeded();
        }

        @Override
        public void failed(Throwable failure) {
            completed();
            super.failed(failure);
        }

        private void completed() {
            if (connection.inFlight.decrementAndGet() == 0 && connection.retired) {
                connection.ssl.close();
            }
        }
    }
}
