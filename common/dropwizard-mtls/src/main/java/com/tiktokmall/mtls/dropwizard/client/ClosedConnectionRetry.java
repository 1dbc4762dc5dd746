package com.tiktokmall.mtls.dropwizard.client;

import org.apache.hc.client5.http.HttpRequestRetryStrategy;
import org.apache.hc.client5.http.HttpRoute;
import org.apache.hc.client5.http.config.ConnectionConfig;
import org.apache.hc.core5.function.Resolver;
import org.apache.hc.core5.http.ConnectionClosedException;
import org.apache.hc.core5.http.HttpRequest;
import org.apache.hc.core5.http.HttpResponse;
import org.apache.hc.core5.http.Method;
import org.apache.hc.core5.http.NoHttpResponseException;
import org.apache.hc.core5.http.protocol.HttpContext;
import org.apache.hc.core5.util.TimeValue;

import java.io.IOException;
import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.SocketException;
import java.util.concurrent.atomic.AtomicLong;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLHandshakeException;

/**
 * Sends a call once more when its connection was closed by the server before any response: the
 * race every keep-alive client runs against a server that closes an idle connection (a trust
 * change, a graceful stop, an idle timeout) just as the client reuses it, and a server that gives
 * up on a connection before serving it (a handshake that took too long on an overloaded server).
 *
 * <p>Retried, once, only when both of these hold:
 * <ul>
 *   <li>nothing of a response arrived: {@link NoHttpResponseException}, the connection closed or
 *       reset while the request was written or the status line awaited; never a timeout (the
 *       server may be working on it), a refused connection (nothing listens) or a failed
 *       handshake (a refusal, which says why);</li>
 *   <li>the call is idempotent (RFC 9110 §9.2.2): GET, HEAD, OPTIONS, TRACE, PUT, DELETE, or any
 *       method when the client was built for a service whose every endpoint is idempotent
 *       ({@code MtlsBundle.client}); HttpClient itself adds that the body can be sent again.</li>
 * </ul>
 * Everything else goes to the retry strategy the configuration asked for ({@code retries}), if any.
 *
 * <p>The retry goes out on a new connection: a server that closes one pooled connection is
 * usually closing its siblings too (a trust change or a stop retires every connection, one after
 * another), and a pooled connection that looks alive may be the next. The pool's
 * {@link #connectionConfig} gives the retry's lease a time to live of zero, so the connection it
 * picks is replaced by a new one; every other lease gets the configured settings.
 */
public final class ClosedConnectionRetry implements HttpRequestRetryStrategy {
    /** Set by a retry for the lease that follows in the same thread (the classic client leases where it executes). */
    private static final ThreadLocal<Boolean> NEW_CONNECTION_NEXT = new ThreadLocal<>();
    private static final String RETRYING = ClosedConnectionRetry.class.getName() + ".retrying";

    private final boolean everyCallIdempotent;
    private final HttpRequestRetryStrategy configured;
    private final Runnable onRetry;
    private final AtomicLong retried = new AtomicLong();

    /**
     * @param everyCallIdempotent whether every call of this client may be sent twice (its server's
     *                            endpoints are idempotent by design), POSTs included
     * @param configured          what else to retry, e.g. Dropwizard's for {@code retries > 0}; null for nothing
     * @param onRetry             told of every call sent again, e.g. a meter's {@code mark}
     */
    public ClosedConnectionRetry(boolean everyCallIdempotent, HttpRequestRetryStrategy configured, Runnable onRetry) {
        this.everyCallIdempotent = everyCallIdempotent;
        this.configured = configured;
        this.onRetry = onRetry;
    }

    /** How many calls were sent again. */
    public long retried() {
        return retried.get();
    }

    /**
     * The pool's connection settings: {@code base}, except for the lease of a retry, whose pooled
     * connection (if it picks one) has lived too long: it is replaced by a new one.
     */
    public static Resolver<HttpRoute, ConnectionConfig> connectionConfig(ConnectionConfig base) {
        ConnectionConfig replaced = ConnectionConfig.copy(base).setTimeToLive(TimeValue.ZERO_MILLISECONDS).build();
        return route -> {
            if (NEW_CONNECTION_NEXT.get() == null) {
                return base;
            }
            NEW_CONNECTION_NEXT.remove();
            return replaced;
        };
    }

    @Override
    public boolean retryRequest(HttpRequest request, IOException exception, int execCount, HttpContext context) {
        if (execCount == 1 && context != null && closedBeforeAnyResponse(exception) && idempotent(request)) {
            NEW_CONNECTION_NEXT.set(Boolean.TRUE);
            context.setAttribute(RETRYING, Boolean.TRUE);
            retried.incrementAndGet();
            onRetry.run();
            return true;
        }
        if (context != null) {
            context.removeAttribute(RETRYING);
        }
        return configured != null && configured.retryRequest(request, exception, execCount, context);
    }

    @Override
    public boolean retryRequest(HttpResponse response, int execCount, HttpContext context) {
        return configured != null && configured.retryRequest(response, execCount, context);
    }

    @Override
    public TimeValue getRetryInterval(HttpRequest request, IOException exception, int execCount, HttpContext context) {
        if (context != null && context.getAttribute(RETRYING) != null) {
            return TimeValue.ZERO_MILLISECONDS; // nothing to wait for: the next connection is another one
        }
        return configured == null ? TimeValue.ZERO_MILLISECONDS : configured.getRetryInterval(request, exception, execCount, context);
    }

    @Override
    public TimeValue getRetryInterval(HttpResponse response, int execCount, HttpContext context) {
        return configured == null ? TimeValue.ZERO_MILLISECONDS : configured.getRetryInterval(response, execCount, context);
    }

    /**
     * Closed or reset before the status line: never a timeout, a refused connection or a failed
     * handshake (the TLS strategy must report a failure during the handshake as an
     * {@link SSLHandshakeException}, as {@code MtlsHttpClientBuilder}'s does).
     */
    static boolean closedBeforeAnyResponse(IOException exception) {
        if (exception instanceof NoHttpResponseException || exception instanceof ConnectionClosedException) {
            return true;
        }
        if (exception instanceof SocketException) {
            return !(exception instanceof ConnectException || exception instanceof NoRouteToHostException);
        }
        return exception instanceof SSLException && !(exception instanceof SSLHandshakeException);
    }

    private boolean idempotent(HttpRequest request) {
        return everyCallIdempotent || Method.isIdempotent(request.getMethod());
    }
}
