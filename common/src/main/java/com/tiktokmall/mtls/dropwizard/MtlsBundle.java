package com.tiktokmall.mtls.dropwizard;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.tiktokmall.mtls.SpiffeId;
import com.tiktokmall.mtls.TlsException;
import com.tiktokmall.mtls.dropwizard.authorization.AdminAuthorizationFilter;
import com.tiktokmall.mtls.dropwizard.authorization.AuthorizationConfiguration;
import com.tiktokmall.mtls.dropwizard.authorization.PeerAuthorization;
import com.tiktokmall.mtls.dropwizard.client.MtlsHttpClientBuilder;
import com.tiktokmall.mtls.dropwizard.command.CheckTlsCommand;
import com.tiktokmall.mtls.dropwizard.command.MtlsServerCommand;
import com.tiktokmall.mtls.dropwizard.db.MtlsDatabase;
import com.tiktokmall.mtls.dropwizard.health.PrometheusEndpoint;
import com.tiktokmall.mtls.dropwizard.health.TlsHealth;
import com.tiktokmall.mtls.dropwizard.limits.LimitsConfiguration;
import com.tiktokmall.mtls.dropwizard.limits.RequestLimits;
import com.tiktokmall.mtls.dropwizard.probes.ProbeServer;
import com.tiktokmall.mtls.dropwizard.probes.ProbesConfiguration;
import com.tiktokmall.mtls.dropwizard.server.PemHttpsConnectorFactory;
import com.tiktokmall.mtls.reload.TlsMaterialSource;
import com.tiktokmall.mtls.reload.WorkloadApiFeed;
import io.dropwizard.client.JerseyClientBuilder;
import io.dropwizard.configuration.EnvironmentVariableSubstitutor;
import io.dropwizard.configuration.SubstitutingSourceProvider;
import io.dropwizard.core.Application;
import io.dropwizard.core.Configuration;
import io.dropwizard.core.ConfiguredBundle;
import io.dropwizard.core.server.DefaultServerFactory;
import io.dropwizard.core.server.ServerFactory;
import io.dropwizard.core.server.SimpleServerFactory;
import io.dropwizard.core.setup.Bootstrap;
import io.dropwizard.core.setup.Environment;
import io.dropwizard.db.DataSourceFactory;
import io.dropwizard.jackson.Jackson;
import io.dropwizard.jetty.ConnectorFactory;
import io.dropwizard.jetty.HttpConnectorFactory;
import io.dropwizard.jetty.HttpsConnectorFactory;
import io.dropwizard.lifecycle.Managed;
import jakarta.servlet.DispatcherType;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.EnumSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ScheduledExecutorService;
import java.util.function.Function;

/**
 * Mutual TLS for a whole Dropwizard service, driven by its {@code tls:} block.
 *
 * <pre>{@code
 * private final MtlsBundle<OrderConfiguration> mtls = MtlsBundle.of(OrderConfiguration::getTls);
 *
 * public void initialize(Bootstrap<OrderConfiguration> bootstrap) {
 *     bootstrap.addBundle(mtls);
 * }
 *
 * public void run(OrderConfiguration config, Environment environment) {
 *     Client auth = mtls.clientBuilder(environment).using(config.getAuthClient()).build("auth");
 * }
 * }</pre>
 *
 * <p>With {@code tls.enabled}, every {@code http} connector of the {@code server} block
 * (application and admin) becomes an HTTPS connector on the same port and bind host that requires
 * a client certificate signed by {@code ca_cert}; the files are loaded and checked before any
 * port opens, and a bad one stops start-up with a {@link TlsException} naming it. With
 * {@code enabled: false} everything stays plain HTTP and one WARN says so.
 *
 * <p>The files are then watched every {@code reload_interval}: new content that passes the same
 * checks is used by every connector and client at once, without a restart (also on demand with
 * {@code POST /tasks/reload-tls}). The {@code tls} health check and {@code tls.*} metrics report
 * expiry, reloads and refused handshakes; every metric is also served in Prometheus text
 * exposition at {@code /prometheus} on the admin port.
 *
 * <p>Whatever comes from outside is bounded by the {@code limits:} block of an
 * {@link MtlsConfiguration} (defaults otherwise): request bodies, JSON depth and lengths, open
 * connections per connector; and handshakes by {@code tls.handshake_timeout}. JSON is read
 * strictly: no type coercion, no duplicate keys.
 *
 * <p>The bundle also adds the {@code check-tls} command, which checks the block as start-up does
 * and reports on every file (and with {@code --connect HOST:PORT} shakes hands with a peer), and
 * turns on {@code ${ENV_VAR}} substitution in the configuration file, so that
 * {@code key_password} can come from the environment. For one-line start-up errors, install
 * {@link MtlsServerCommand} as the {@code server} command.
 */
public final class MtlsBundle<C extends Configuration> implements ConfiguredBundle<C> {
    private static final Logger LOG = LoggerFactory.getLogger(MtlsBundle.class);

    private final Function<C, TlsConfiguration> tlsOf;
    private TlsConfiguration tls;
    private TlsMaterialSource source;
    private AdminAuthorizationFilter admin;
    private C configuration;
    private Environment environment;

    private MtlsBundle(Function<C, TlsConfiguration> tlsOf) {
        this.tlsOf = Objects.requireNonNull(tlsOf, "tlsOf");
    }

    /** A bundle reading the {@code tls} block through {@code tlsOf}, e.g. {@code AuthConfiguration::getTls}. */
    public static <C extends Configuration> MtlsBundle<C> of(Function<C, TlsConfiguration> tlsOf) {
        return new MtlsBundle<>(tlsOf);
    }

    @Override
    @SuppressWarnings("unchecked") // the bootstrap is the one of the application this bundle is for
    public void initialize(Bootstrap<?> bootstrap) {
        bootstrap.setConfigurationSourceProvider(new SubstitutingSourceProvider(
                bootstrap.getConfigurationSourceProvider(), new EnvironmentVariableSubstitutor(false)));
        bootstrap.addCommand(new CheckTlsCommand<>((Application<C>) bootstrap.getApplication(), tlsOf, System.out));
    }

    @Override
    public void run(C configuration, Environment environment) {
        this.configuration = configuration;
        this.environment = environment;
        tls = tlsOf.apply(configuration);
        LimitsConfiguration limits = configuration instanceof MtlsConfiguration mtlsConfiguration
                ? mtlsConfiguration.getLimits() : new LimitsConfiguration();
        RequestLimits.register(environment, limits);
        PrometheusEndpoint.register(environment);
        if (!tls.isEnabled()) {
            LOG.warn("tls.enabled is false: every connector and client of this service speaks plain HTTP,"
                    + " unauthenticated and unencrypted");
            return;
        }
        WorkloadApiFeed feed = tls.getSource() == TlsConfiguration.Source.WORKLOAD_API ? tls.workloadApi().build() : null;
        source = feed != null ? feed.start()
                : TlsMaterialSource.watching(tls.files()).checkEvery(tls.getReloadInterval().toJavaDuration()).build();
        ScheduledExecutorService reloads = environment.lifecycle().scheduledExecutorService("tls-reload").threads(1).build();
        environment.lifecycle().manage(new Managed() {
            @Override
            public void start() {
                source.start(reloads);
            }

            @Override
            public void stop() {
                if (feed != null) {
                    feed.close();
                }
            }
        });
        TlsHealth.register(environment, source, tls.getExpiryWarning().toJavaDuration());
        admin = new AdminAuthorizationFilter(tls.getTrustDomain(), environment.getObjectMapper());
        environment.admin().addFilter("mtls-admin-authorization", admin)
                .addMappingForUrlPatterns(EnumSet.of(DispatcherType.REQUEST), false, "/*");
        secure(configuration.getServerFactory(), environment.getObjectMapper(), limits.getMaxConnections());
    }

    /**
     * A Jersey client builder for calls to one other service, which must present
     * {@code expectedServer} as its SPIFFE ID: with {@code tls.enabled} its connections present
     * {@code client_cert}, trust only {@code ca_cert}, refuse any other server identity during the
     * handshake (before a byte of the request is sent), and are pooled and reused. The identity
     * replaces the host-name check, so servers may hold URI-only SVIDs. Configure it further as
     * usual; do not give it a socket-factory registry, which would bypass the mTLS settings.
     */
    public JerseyClientBuilder clientBuilder(Environment environment, SpiffeId expectedServer) {
        return newClientBuilder(environment, Objects.requireNonNull(expectedServer, "expectedServer"));
    }

    /**
     * As {@link #clientBuilder(Environment, SpiffeId)}, for calls whose server identity is not
     * known in advance: any certificate of {@code ca_cert} is accepted whose SANs name the host
     * dialled. Prefer stating the identity.
     */
    public JerseyClientBuilder clientBuilder(Environment environment) {
        return newClientBuilder(environment, null);
    }

    private JerseyClientBuilder newClientBuilder(Environment environment, SpiffeId expectedServer) {
        if (tls == null) {
            throw new IllegalStateException("the MtlsBundle has not run: add it in initialize() and build clients in run()");
        }
        JerseyClientBuilder builder = new JerseyClientBuilder(environment);
        if (tls.isEnabled()) {
            builder.setApacheHttpClientBuilder(new MtlsHttpClientBuilder(environment, source, expectedServer));
        }
        return builder;
    }

    /**
     * Authorizes every call by the identity in the caller's certificate: resources name the role
     * they need with {@code @RolesAllowed}, {@code authorization.peers} grants roles to SPIFFE IDs,
     * and a caller without the role gets 403 with a JSON body naming its identity and the role. On
     * the admin port, {@code authorization.admin} names who may use tasks, metrics, threads and
     * pprof (until this is called, nobody may). Call it from {@code Application.run()}.
     *
     * @param roles every role this service's resources use; granting another is a start-up error
     * @throws TlsException for a malformed identity or an unknown role in {@code authorization}
     */
    public void authorize(Environment environment, AuthorizationConfiguration authorization, Set<String> roles) {
        PeerAuthorization.register(environment.jersey(), tls.isEnabled(), tls.getTrustDomain(), authorization, roles, admin);
    }

    /**
     * Serves {@code /livez} and {@code /readyz} on a plain-HTTP port of its own, for kubelet, which
     * cannot present a client certificate; nothing else is served there. Does nothing unless
     * {@code probes.port} is set. Call it from {@code Application.run()}.
     */
    public void probes(Environment environment, ProbesConfiguration probes) {
        if (probes.isEnabled()) {
            environment.lifecycle().manage(new ProbeServer(probes, environment.healthChecks(), source));
        }
    }

    /**
     * {@code database} over this service's identity when it is PostgreSQL and {@code tls.enabled}:
     * connections present {@code client_cert}, trust only {@code ca_cert} and check the server's
     * host name ({@code sslmode=verify-full}), follow reloads (pooled connections made with old
     * material are retired), and a refusal is a one-line start-up error. Any other database, or
     * TLS off, returns {@code database} itself. Build every data source from what this returns:
     *
     * <pre>{@code
     * DataSourceFactory database = mtls.database(configuration, configuration.getDatabase());
     * Jdbi jdbi = new JdbiFactory().build(environment, database, "order-db");
     * }</pre>
     *
     * <p>Call it from {@code run()}, or from {@code MigrationsBundle.getDataSourceFactory} for the
     * {@code db} commands (which then take the material once, without watching for changes: the
     * {@code tls} files, or the first SVID of the Workload API).
     *
     * @throws com.tiktokmall.mtls.dropwizard.SettingException when {@code database} sets TLS options of its own
     */
    public DataSourceFactory database(C configuration, DataSourceFactory database) {
        TlsConfiguration settings = tlsOf.apply(configuration);
        if (!settings.isEnabled()) {
            return database;
        }
        if (configuration == this.configuration && source != null) {
            return MtlsDatabase.secure(database, () -> source, environment.getObjectMapper(), environment.lifecycle());
        }
        return MtlsDatabase.secure(database, () -> materialForACommand(settings), Jackson.newObjectMapper(), null);
    }

    /** The material of a command, taken once: nothing is watched while the command runs. */
    private static TlsMaterialSource materialForACommand(TlsConfiguration settings) {
        if (settings.getSource() != TlsConfiguration.Source.WORKLOAD_API) {
            return TlsMaterialSource.watching(settings.files()).build();
        }
        try (WorkloadApiFeed feed = settings.workloadApi().build()) {
            return feed.start(); // the first SVID; closing the feed ends the stream, not the source
        }
    }

    /** The source of the TLS material every connector and client uses; empty with {@code tls.enabled: false}. */
    public Optional<TlsMaterialSource> source() {
        return Optional.ofNullable(source);
    }

    private void secure(ServerFactory server, ObjectMapper mapper, int maxConnections) {
        if (server instanceof DefaultServerFactory factory) {
            factory.setApplicationConnectors(secure(factory.getApplicationConnectors(), "applicationConnectors", mapper,
                    maxConnections));
            factory.setAdminConnectors(secure(factory.getAdminConnectors(), "adminConnectors", mapper, maxConnections));
        } else if (server instanceof SimpleServerFactory factory) {
            factory.setConnector(secure(List.of(factory.getConnector()), "connector", mapper, maxConnections).get(0));
        } else {
            throw TlsException.inSetting("server.type", "server type " + server.getClass().getSimpleName()
                    + " is not supported", "use server type default or simple");
        }
    }

    private List<ConnectorFactory> secure(List<ConnectorFactory> connectors, String where, ObjectMapper mapper,
                                          int maxConnections) {
        return connectors.stream().map(connector -> {
            if (!(connector instanceof HttpConnectorFactory http) || connector instanceof HttpsConnectorFactory) {
                throw TlsException.inSetting("server." + where, "a connector is of type "
                        + connector.getClass().getSimpleName() + "; with tls.enabled every connector must be"
                        + " type: http, and the tls block makes it HTTPS", "change the connector to type: http");
            }
            return (ConnectorFactory) PemHttpsConnectorFactory.replacing(http, source, mapper,
                    tls.getHandshakeTimeout().toJavaDuration(), maxConnections);
        }).toList();
    }
}
