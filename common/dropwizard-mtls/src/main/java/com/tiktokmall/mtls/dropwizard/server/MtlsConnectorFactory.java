package com.tiktokmall.mtls.dropwizard.server;

import com.codahale.metrics.MetricRegistry;
import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonTypeName;
import com.tiktokmall.mtls.MtlsContext;
import com.tiktokmall.mtls.SpiffeId;
import com.tiktokmall.mtls.dropwizard.config.LimitsConfiguration;
import com.tiktokmall.mtls.source.TlsMaterial;
import com.tiktokmall.mtls.source.TlsSource;
import io.dropwizard.jetty.HttpsConnectorFactory;
import io.dropwizard.metrics.jetty12.InstrumentedConnectionFactory;
import io.dropwizard.validation.ValidationMethod;
import org.eclipse.jetty.io.ByteBufferPool;
import org.eclipse.jetty.server.ConnectionFactory;
import org.eclipse.jetty.server.Connector;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.ProxyConnectionFactory;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.ArrayUtil;
import org.eclipse.jetty.util.ssl.SslContextFactory;
import org.eclipse.jetty.util.thread.ScheduledExecutorScheduler;
import org.eclipse.jetty.util.thread.Scheduler;
import org.eclipse.jetty.util.thread.ThreadPool;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * {@code type: mtls}: an HTTPS connector whose TLS comes from the {@code tls} block instead of a
 * key store: the server {@link MtlsContext} of the current {@link TlsMaterial}, client
 * certificates required, renegotiation off. Every other setting of Dropwizard's {@code https}
 * connector (port, bind host, timeouts...) applies as usual; its key and trust store settings are
 * refused. Bounded against slow or many peers: a handshake must complete within
 * {@code tls.handshake_timeout}, at most {@code limits.max_connections} are open, and refused
 * handshakes and accept failures are summarized in the log.
 *
 * <p>The bundle gives it the service's TLS source before the server is built; with
 * {@code tls.enabled: false} the bundle says so ({@link #plain()}) and it serves plain HTTP, as a
 * {@code type: http} connector would. Without the bundle it refuses to be built: a connector
 * written {@code type: mtls} never serves plain HTTP by accident.
 */
@JsonTypeName("mtls")
public class MtlsConnectorFactory extends HttpsConnectorFactory {
    /** Repeated log lines of one source are summarized over this interval. */
    private static final Duration SUMMARY_INTERVAL = Duration.ofMinutes(1);
    private static final int MAX_SOURCES = 1024;
    private static final int MAX_BACKLOG = 65535;

    private TlsSource material;
    private boolean plain;
    private PeerTrustEnforcer enforcer;
    /** This connector's server context: its own TLS sessions, never resumed on another port. */
    private volatile MtlsContext serving;
    private Duration handshakeTimeout;
    private String trustDomain;
    private LimitsConfiguration limits;
    private PeerMetrics peers;
    private Set<SpiffeId> withRoles;
    private volatile PeerShares shares;
    private volatile SlowRequests slowRequests;
    private volatile ConnectionCap cap;

    public MtlsConnectorFactory() {
        // Clients check who the server is (its SPIFFE ID, or the host name in its SANs); Jetty's
        // check that the Host header names the certificate would refuse URI-only SVIDs.
        setDisableSniHostCheck(true);
    }

    /**
     * Serves mTLS with the material of {@code source} (the bundle calls this in its run, before
     * the server is built).
     *
     * @param trustDomain      whose SPIFFE IDs name peers
     * @param handshakeTimeout how long a TLS handshake may take from the moment the connection opens
     * @param limits           the connection limits: in all, per peer, per address, slow requests
     * @param peers            where refusals are counted per peer
     */
    public void use(TlsSource source, String trustDomain, Duration handshakeTimeout, LimitsConfiguration limits,
                    PeerMetrics peers) {
        this.material = Objects.requireNonNull(source, "source");
        this.trustDomain = Objects.requireNonNull(trustDomain, "trustDomain");
        this.enforcer = new PeerTrustEnforcer(source, () -> serving == null ? null : serving.sslContext());
        this.handshakeTimeout = Objects.requireNonNull(handshakeTimeout, "handshakeTimeout");
        this.limits = Objects.requireNonNull(limits, "limits");
        this.peers = Objects.requireNonNull(peers, "peers");
    }

    /**
     * Makes this an application port of {@code identities}: a peer that holds no role here gets
     * one request, answered with {@code Connection: close} (the bundle's authorize calls this).
     */
    public void onlyWithRoles(Set<SpiffeId> identities) {
        this.withRoles = Set.copyOf(identities);
        if (shares != null) {
            shares.onlyWithRoles(withRoles);
        }
    }

    /**
     * What keeps the built connector from taking more work, if anything: all its connections in
     * use ({@code limits.max_connections}), or its server's threads nearly all busy.
     */
    public Optional<String> saturation() {
        ConnectionCap built = cap;
        if (built == null) {
            return Optional.empty();
        }
        if (built.limiting()) {
            return Optional.of(built.describe());
        }
        if (built.executor() instanceof ThreadPool pool && pool.isLowOnThreads()) {
            return Optional.of("the threads serving " + built.where() + " are nearly all busy (" + pool.getThreads()
                    + " threads, " + pool.getIdleThreads() + " idle)");
        }
        return Optional.empty();
    }

    /** Serves plain HTTP: what the bundle says with {@code tls.enabled: false}, and one WARN tells. */
    public void plain() {
        this.plain = true;
    }

    @JsonIgnore
    @ValidationMethod(message = "a type: mtls connector takes its certificates, trust and revocation from the tls block:"
            + " remove keyStorePath, keyStorePassword, trustStorePath, trustStorePassword, crlPath, enableCRLDP,"
            + " enableOCSP and ocspResponderUrl (revocation: tls.crl)")
    public boolean isWithoutTlsSettingsOfItsOwn() {
        return getKeyStorePath() == null && getKeyStorePassword() == null && getTrustStorePath() == null
                && getTrustStorePassword() == null && getCrlPath() == null && getEnableCRLDP() == null
                && getEnableOCSP() == null && getOcspResponderUrl() == null;
    }

    @Override
    public Connector build(Server server, MetricRegistry metrics, String name, ThreadPool threadPool) {
        if (material == null) {
            if (!plain) {
                throw new IllegalStateException("the type: mtls connector " + name + " has no TLS material: add the"
                        + " MtlsBundle to the application (bootstrap.addBundle in initialize)");
            }
            return buildPlain(server, metrics, name, threadPool);
        }
        MtlsServerConnector connector = (MtlsServerConnector) super.build(server, metrics, name, threadPool);
        Clock clock = material.options().clock();
        SummarizedLog handshakes = new SummarizedLog(LoggerFactory.getLogger(HandshakeMonitor.class), SUMMARY_INTERVAL,
                clock, MAX_SOURCES);
        SummarizedLog connections = new SummarizedLog(LoggerFactory.getLogger(MtlsServerConnector.class),
                SUMMARY_INTERVAL, clock, MAX_SOURCES);
        connector.addBean(new HandshakeMonitor(connector, metrics, handshakes));
        connector.addBean(new HandshakeDeadline(connector, handshakeTimeout, metrics.meter("tls.handshakes.timed-out"),
                handshakes));
        cap = new ConnectionCap(connector, limits.getMaxConnections(), metrics.meter("connections.limit-reached"),
                connections);
        connector.addBean(cap);
        PeerShares fairShares = new PeerShares(connector, trustDomain, limits.getMaxHandshakesPerAddress(),
                limits.getMaxConnectionsPerPeer(), handshakeTimeout, peers, connections);
        if (withRoles != null) {
            fairShares.onlyWithRoles(withRoles);
        }
        shares = fairShares;
        connector.addBean(fairShares);
        SlowRequests slow = new SlowRequests(connector, limits.getRequestReadTimeout(), trustDomain, peers, connections);
        slowRequests = slow;
        connector.addBean(new Periodic(connector.getScheduler(), SlowRequests.SWEEP, slow::sweep));
        connector.reportAcceptFailures(metrics.meter("connections.accept-failures"), connections);
        connector.addBean(new Periodic(connector.getScheduler(), SUMMARY_INTERVAL, () -> {
            handshakes.flush();
            connections.flush();
        }));
        connector.addBean(enforcer);
        return connector;
    }

    /** With {@code tls.enabled: false}: plain HTTP, built as Dropwizard's {@code http} connector builds it. */
    private Connector buildPlain(Server server, MetricRegistry metrics, String name, ThreadPool threadPool) {
        HttpConnectionFactory http = buildHttpConnectionFactory(buildHttpConfiguration());
        return buildConnector(server, new ScheduledExecutorScheduler(), buildBufferPool(), name, threadPool,
                new InstrumentedConnectionFactory(http, metrics.timer(httpConnections())));
    }

    /** As Dropwizard builds it, but a {@link MtlsServerConnector}, which summarizes accept failures. */
    @Override
    protected ServerConnector buildConnector(Server server, Scheduler scheduler, ByteBufferPool bufferPool, String name,
                                             ThreadPool threadPool, ConnectionFactory... factories) {
        ConnectionFactory[] all = isUseProxyProtocol()
                ? ArrayUtil.prependToArray(new ProxyConnectionFactory(), factories, ConnectionFactory.class) : factories;
        MtlsServerConnector connector = new MtlsServerConnector(server, threadPool, scheduler, bufferPool,
                getAcceptorThreads().orElse(-1), getSelectorThreads().orElse(-1), all);
        connector.setPort(getPort());
        connector.setHost(getBindHost());
        connector.setInheritChannel(isInheritChannel());
        // Unset, Dropwizard uses the system's net.core.somaxconn; the kernel caps any larger backlog at that.
        connector.setAcceptQueueSize(Objects.requireNonNullElse(getAcceptQueueSize(), MAX_BACKLOG));
        connector.setReuseAddress(isReuseAddress());
        connector.setIdleTimeout(getIdleTimeout().toMilliseconds());
        connector.setName(name);
        return connector;
    }

    @Override
    protected HttpConfiguration buildHttpConfiguration() {
        HttpConfiguration configuration = super.buildHttpConfiguration();
        if (enforcer != null) {
            configuration.addCustomizer(enforcer);
            // Built with the connector, after this configuration: found through the fields.
            configuration.addCustomizer((request, headers) -> shares == null ? request : shares.customize(request, headers));
            configuration.addCustomizer((request, headers) -> slowRequests == null ? request
                    : slowRequests.customize(request, headers));
        }
        return configuration;
    }

    /** No key store: the certificates come from the {@code tls} block. */
    @Override
    public boolean isValidKeyStorePath() {
        return true;
    }

    /** No key store: the certificates come from the {@code tls} block. */
    @Override
    public boolean isValidKeyStorePassword() {
        return true;
    }

    @Override
    protected SslContextFactory.Server configureSslContextFactory(SslContextFactory ignored) {
        SslContextFactory.Server factory = new ServerSslContextFactory();
        serving = material.current().server().withOwnSessions();
        apply(factory, serving);
        factory.setNeedClientAuth(true);
        factory.setRenegotiationAllowed(false);
        factory.setEndpointIdentificationAlgorithm(null);
        // Jetty first, so that a peer whose connection is closed below cannot reconnect under the old trust.
        material.onChange(next -> {
            MtlsContext context = next.server().withOwnSessions();
            reload(factory, context);
            serving = context; // once Jetty serves it: the enforcer sweeps the cache in use
            enforcer.enforce(next);
        });
        return factory;
    }

    private static void apply(SslContextFactory factory, MtlsContext context) {
        factory.setSslContext(context.sslContext());
        factory.setIncludeProtocols(context.protocols().toArray(String[]::new));
        factory.setIncludeCipherSuites(context.cipherSuites().toArray(String[]::new));
    }

    private static void reload(SslContextFactory factory, MtlsContext context) {
        try {
            factory.reload(f -> apply(f, context));
        } catch (Exception e) {
            throw new IllegalStateException("Jetty refused the new TLS context", e);
        }
    }
}
