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
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLHandshakeException;

/**
 * Sends a call once more when the pooled connection it went out on turns out closed by the server
 * before any response: the race every keep-alive client runs against a server that closes an idle
 * connection (a trust change, a graceful stop, an idle timeout) just as the client reuses it.
 *
 * <p>Retried, once, only when all of these hold:
 * <ul>
 *   <li>the connection was taken from the pool, not opened for this call (a failure on a fresh
 *       connection is a refusal or an outage, not a race: {@link #opened} tells);</li>
 *   <li>nothing of a response arrived: {@link NoHttpResponseException}, the connection closed or
 *       reset while the request was written or the status line awaited (never a timeout: the
 *       server may be working on it);</li>
 *   <li>the call is idempotent (RFC 9110 §9.2.2): GET, HEAD, OPTIONS, TRACE, PUT, DELETE, or any
 *       method when the client was built for a service whose every endpoint is idempotent
 *       ({@code MtlsBundle.client}); HttpClient itself adds that the body can be sent again.</li>
 * </ul>
 * Everything else goes to the retry strategy the configuration asked for ({@code retries}), if any.
 *
 * <p>A server that closes one pooled connection has usually closed its siblings too (a trust
 * change or a stop closes every idle one at once), and the retry would take the next of them from
 * the pool. So for a while after such a failure the pool checks every connection before it lends
 * it ({@link #connectionConfig}: a 1 ms read, which finds a closed one), and the retry gets a live
 * or a new connection.
 */
public final class ClosedConnectionRetry implements HttpRequestRetryStrategy {
    /** How long the pool checks every connection before reuse after a closed one was found. */
    static final Duration CHECK_WINDOW = Duration.ofSeconds(5);
    private static final String OPENED = ClosedConnectionRetry.class.getName() + ".opened";
    private static final String RETRYING = ClosedConnectionRetry.class.getName() + ".retrying";

    private final boolean everyCallIdempotent;
    private final HttpRequestRetryStrategy configured;
    private final Runnable onRetry;
    private final AtomicLong retried = new AtomicLong();
    private volatile long checkUntilNanos = System.nanoTime();

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

    /** To be called by the TLS (or socket) strategy when it opens a connection for the call of {@code context}. */
    public static void opened(HttpContext context) {
        if (context != null) {
            context.setAttribute(OPENED, Boolean.TRUE);
        }
    }

    /** How many calls were sent again. */
    public long retried() {
        return retried.get();
    }

    /**
     * The pool's connection settings: {@code base}, except that for {@link #CHECK_WINDOW} after a
     * closed connection was found every pooled connection is checked before it is lent.
     */
    public Resolver<HttpRoute, ConnectionConfig> connectionConfig(ConnectionConfig base) {
        ConnectionConfig checking = ConnectionConfig.copy(base).setValidateAfterInactivity(TimeValue.ZERO_MILLISECONDS).build();
        return route -> System.nanoTime() - checkUntilNanos < 0 ? checking : base;
    }

    @Override
    public boolean retryRequest(HttpRequest request, IOException exception, int execCount, HttpContext context) {
        if (execCount == 1 && context != null && context.getAttribute(OPENED) == null
                && closedBeforeAnyResponse(exception) && idempotent(request)) {
            checkUntilNanos = System.nanoTime() + CHECK_WINDOW.toNanos();
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

    /** Closed or reset before the status line: never a timeout, a refused connection or a failed handshake. */
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
