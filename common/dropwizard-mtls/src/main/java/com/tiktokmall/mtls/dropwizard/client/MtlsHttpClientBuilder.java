package com.tiktokmall.mtls.dropwizard.client;

import com.codahale.metrics.Meter;
import com.codahale.metrics.httpclient5.InstrumentedHttpClientConnectionManager;
import com.tiktokmall.mtls.HandshakeFailure;
import com.tiktokmall.mtls.MtlsContext;
import com.tiktokmall.mtls.SpiffeId;
import com.tiktokmall.mtls.source.TlsMaterial;
import com.tiktokmall.mtls.source.TlsSource;
import io.dropwizard.client.HttpClientBuilder;
import io.dropwizard.client.HttpClientConfiguration;
import io.dropwizard.core.setup.Environment;
import io.dropwizard.util.Duration;
import org.apache.hc.client5.http.ClientProtocolException;
import org.apache.hc.client5.http.HttpRequestRetryStrategy;
import org.apache.hc.client5.http.config.ConnectionConfig;
import org.apache.hc.client5.http.impl.DefaultHttpRequestRetryStrategy;
import org.apache.hc.client5.http.impl.io.DefaultHttpClientConnectionOperator;
import org.apache.hc.client5.http.protocol.HttpClientContext;
import org.apache.hc.client5.http.ssl.DefaultClientTlsStrategy;
import org.apache.hc.client5.http.ssl.HostnameVerificationPolicy;
import org.apache.hc.client5.http.ssl.NoopHostnameVerifier;
import org.apache.hc.client5.http.ssl.TlsSocketStrategy;
import org.apache.hc.core5.http.HttpRequestInterceptor;
import org.apache.hc.core5.http.URIScheme;
import org.apache.hc.core5.http.config.Registry;
import org.apache.hc.core5.http.config.RegistryBuilder;
import org.apache.hc.core5.http.impl.DefaultConnectionReuseStrategy;
import org.apache.hc.core5.http.protocol.HttpContext;
import org.apache.hc.core5.reactor.ssl.SSLBufferMode;
import org.apache.hc.core5.util.TimeValue;
import org.apache.hc.core5.util.Timeout;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.SocketException;
import java.util.Objects;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.SSLSession;
import javax.net.ssl.SSLSocket;

/**
 * Dropwizard's Apache HttpClient 5 builder, with TLS taken from the {@code tls} block: it
 * presents the client certificate, trusts only {@code ca_cert}, checks the server's SPIFFE ID
 * (or, when none is expected, its host name), and refuses plain {@code http://} URLs.
 *
 * <p>Connection state is disabled so that pooled connections are reused: HttpClient otherwise
 * tags a connection that presented a client certificate with that principal, and requests made
 * without the same tag in their context never get it back from the pool, which means a new
 * handshake per request.
 *
 * <p>A call whose connection the server closed before any response (it retired the connection
 * after a trust change, stopped, or timed it out just as the call went out) is sent once more on a
 * new connection if it is idempotent: see {@link ClosedConnectionRetry}. Only GET, HEAD,
 * OPTIONS, TRACE, PUT and DELETE, unless {@link #everyCallIdempotent()} says that every call of this
 * client may be sent twice; a body is sent again only if buffered ({@code chunkedEncodingEnabled:
 * false}). Counted in {@code tls.client.retries}.
 */
public final class MtlsHttpClientBuilder extends HttpClientBuilder {
    private static final Logger LOG = LoggerFactory.getLogger(MtlsHttpClientBuilder.class);
    private static final HttpRequestInterceptor HTTPS_ONLY = (request, entity, context) -> {
        if (!URIScheme.HTTPS.same(request.getScheme())) {
            throw new ClientProtocolException("the mTLS client refuses " + request.getScheme() + "://"
                    + request.getAuthority() + ": only https:// URLs are allowed while tls.enabled is true");
        }
    };

    private final Environment environment;
    private final TlsSource material;
    private final SpiffeId expectedServer;
    private final Meter handshakes;
    private final Meter retries;
    private HttpClientConfiguration configuration = new HttpClientConfiguration();
    private HttpRequestRetryStrategy configuredRetries;
    private boolean everyCallIdempotent;
    private ClosedConnectionRetry retry;
    private volatile Generation current;

    /**
     * @param expectedServer the SPIFFE ID every server must present, checked during the handshake
     *                       in place of its host name; {@code null} to check host names instead
     */
    public MtlsHttpClientBuilder(Environment environment, TlsSource material, SpiffeId expectedServer) {
        super(environment);
        this.environment = environment;
        this.material = material;
        this.expectedServer = expectedServer;
        this.handshakes = environment.metrics().meter("tls.client.handshakes");
        this.retries = environment.metrics().meter("tls.client.retries");
        this.current = generation(material.current());
    }

    /**
     * Declares every call of this client idempotent, POSTs included: its server's endpoints may
     * each be called twice with the same effect (as every endpoint one service of this system calls
     * on another is). A call that met its connection closed before any response is then sent
     * again whatever its method.
     */
    public MtlsHttpClientBuilder everyCallIdempotent() {
        this.everyCallIdempotent = true;
        return this;
    }

    /** What else to retry when {@code retries} is above 0; the closed-connection retry comes first. */
    @Override
    public HttpClientBuilder using(HttpRequestRetryStrategy strategy) {
        this.configuredRetries = strategy;
        return super.using(strategy);
    }

    @Override
    public HttpClientBuilder using(HttpClientConfiguration configuration) {
        if (configuration.getKeepAlive().toMilliseconds() == 0) {
            LOG.warn("keepAlive is 0 for an mTLS client: every call pays a full TLS handshake; set keepAlive"
                    + " (a little below the server's idleTimeout) so pooled connections are reused");
        }
        this.configuration = configuration;
        return super.using(configuration);
    }

    @Override
    @SuppressWarnings("deprecation") // the registry parameter is Dropwizard's; TLS goes through TlsSocketStrategy
    protected InstrumentedHttpClientConnectionManager createConnectionManager(
            Registry<org.apache.hc.client5.http.socket.ConnectionSocketFactory> ignored, String name) {
        Duration ttl = configuration.getTimeToLive();
        retry = new ClosedConnectionRetry(everyCallIdempotent, configuration.getRetries() == 0 ? null
                : Objects.requireNonNullElseGet(configuredRetries,
                        () -> new DefaultHttpRequestRetryStrategy(configuration.getRetries(), TimeValue.ofSeconds(1))),
                retries::mark);
        TlsSocketStrategy followingReloads = (socket, target, port, attachment, context) -> {
            try {
                SSLSocket upgraded = current.strategy().upgrade(socket, target, port, attachment, context);
                handshakes.mark();
                return upgraded;
            } catch (SSLException | SocketException e) {
                throw explained(e, target, port);
            }
        };
        InstrumentedHttpClientConnectionManager manager = InstrumentedHttpClientConnectionManager
                .builder(environment.metrics())
                .name(name)
                .timeToLive(TimeValue.of(ttl.getQuantity(), ttl.getUnit()))
                .httpClientConnectionOperator(new DefaultHttpClientConnectionOperator(null, null,
                        RegistryBuilder.<TlsSocketStrategy>create().register(URIScheme.HTTPS.id, followingReloads).build()))
                .build();
        material.onChange(next -> {
            current = generation(next);
            manager.closeIdle(TimeValue.ZERO_MILLISECONDS);
        });
        configureConnectionManager(manager);
        // What configureConnectionManager set (the connect timeout and the check of idle connections),
        // but a retry's lease gets a new connection.
        manager.setConnectionConfigResolver(ClosedConnectionRetry.connectionConfig(ConnectionConfig.custom()
                .setConnectTimeout(Timeout.ofMilliseconds(configuration.getConnectionTimeout().toMilliseconds()))
                .setValidateAfterInactivity(TimeValue.ofMilliseconds(configuration.getValidateAfterInactivityPeriod().toMilliseconds()))
                .build()));
        return manager;
    }

    @Override
    protected org.apache.hc.client5.http.impl.classic.HttpClientBuilder customizeBuilder(
            org.apache.hc.client5.http.impl.classic.HttpClientBuilder builder) {
        boolean keepAlive = configuration.getKeepAlive().toMilliseconds() != 0;
        return builder.disableConnectionState()
                .setRetryStrategy(retry)
                .addRequestInterceptorFirst(HTTPS_ONLY)
                .setConnectionReuseStrategy((request, response, httpContext) -> keepAlive
                        && DefaultConnectionReuseStrategy.INSTANCE.keepAlive(request, response, httpContext)
                        && madeWithCurrentMaterial(httpContext));
    }

    /**
     * Whether a connection's TLS session comes from the client context in use: after a reload,
     * connections made with the old certificate or trust are not reused but closed when released.
     */
    private boolean madeWithCurrentMaterial(HttpContext httpContext) {
        SSLSession session = HttpClientContext.castOrCreate(httpContext).getSSLSession();
        return session == null || session.getSessionContext() == current.context().sslContext().getClientSessionContext();
    }

    /** The same failure, with a message that says why: callers usually log only the message. */
    private static SSLException explained(IOException failure, String target, int port) {
        SSLException explained = new SSLHandshakeException("TLS handshake with " + target + ":" + port + " failed: "
                + HandshakeFailure.explain(failure));
        explained.initCause(failure);
        return explained;
    }

    private Generation generation(TlsMaterial material) {
        if (expectedServer == null) {
            MtlsContext context = material.client();
            return new Generation(context, new DefaultClientTlsStrategy(context.sslContext(),
                    context.protocols().toArray(String[]::new), context.cipherSuites().toArray(String[]::new),
                    SSLBufferMode.STATIC, HostnameVerificationPolicy.BUILTIN, null));
        }
        // The SPIFFE ID is checked by the context's trust manager during the handshake; it replaces
        // the host-name check, as the X.509-SVID standard says.
        MtlsContext context = material.client().expectingServer(expectedServer);
        return new Generation(context, new DefaultClientTlsStrategy(context.sslContext(),
                context.protocols().toArray(String[]::new), context.cipherSuites().toArray(String[]::new),
                SSLBufferMode.STATIC, HostnameVerificationPolicy.CLIENT, NoopHostnameVerifier.INSTANCE));
    }

    /** The client context in use and the TLS strategy made from it, swapped together. */
    private record Generation(MtlsContext context, TlsSocketStrategy strategy) {
    }
}
