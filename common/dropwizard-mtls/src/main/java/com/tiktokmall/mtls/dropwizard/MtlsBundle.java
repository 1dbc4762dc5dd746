package com.tiktokmall.mtls.dropwizard;

import com.tiktokmall.mtls.SpiffeId;
import com.tiktokmall.mtls.TlsException;
import com.tiktokmall.mtls.TlsOptions;
import com.tiktokmall.mtls.dropwizard.authorization.AdminAuthorizationFilter;
import com.tiktokmall.mtls.dropwizard.authorization.PeerAuthorization;
import com.tiktokmall.mtls.dropwizard.client.MtlsHttpClientBuilder;
import com.tiktokmall.mtls.dropwizard.command.CheckTlsCommand;
import com.tiktokmall.mtls.dropwizard.command.MtlsServerCommand;
import com.tiktokmall.mtls.dropwizard.config.MtlsConfiguration;
import com.tiktokmall.mtls.dropwizard.config.ServiceClientConfiguration;
import com.tiktokmall.mtls.dropwizard.config.SettingException;
import com.tiktokmall.mtls.dropwizard.config.TlsConfiguration;
import com.tiktokmall.mtls.dropwizard.config.TlsProvider;
import com.tiktokmall.mtls.dropwizard.db.MigratedJdbi;
import com.tiktokmall.mtls.dropwizard.db.MtlsDatabase;
import com.tiktokmall.mtls.dropwizard.health.PrometheusEndpoint;
import com.tiktokmall.mtls.dropwizard.health.TlsHealth;
import com.tiktokmall.mtls.dropwizard.limits.JsonPropertyNames;
import com.tiktokmall.mtls.dropwizard.limits.RequestLimits;
import com.tiktokmall.mtls.dropwizard.probes.Drain;
import com.tiktokmall.mtls.dropwizard.probes.ProbeServer;
import com.tiktokmall.mtls.dropwizard.server.MtlsConnectorFactory;
import com.tiktokmall.mtls.dropwizard.server.MtlsConnectors;
import com.tiktokmall.mtls.dropwizard.server.PeerMetrics;
import com.tiktokmall.mtls.dropwizard.server.SaturationHealthCheck;
import com.tiktokmall.mtls.source.TlsSource;
import io.dropwizard.client.JerseyClientBuilder;
import io.dropwizard.configuration.EnvironmentVariableSubstitutor;
import io.dropwizard.configuration.SubstitutingSourceProvider;
import io.dropwizard.core.Application;
import io.dropwizard.core.Configuration;
import io.dropwizard.core.ConfiguredBundle;
import io.dropwizard.core.cli.CheckCommand;
import io.dropwizard.core.setup.Bootstrap;
import io.dropwizard.core.setup.Environment;
import io.dropwizard.db.DataSourceFactory;
import io.dropwizard.jackson.Jackson;
import io.dropwizard.jersey.validation.Validators;
import io.dropwizard.lifecycle.Managed;
import io.dropwizard.migrations.MigrationsBundle;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import jakarta.servlet.DispatcherType;
import jakarta.ws.rs.client.WebTarget;
import org.jdbi.v3.core.Jdbi;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.security.Provider;
import java.time.Clock;
import java.time.Duration;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * Mutual TLS for a whole Dropwizard service, driven by the blocks of its {@link MtlsConfiguration}
 * ({@code tls}, {@code authorization}, {@code limits}, {@code probes}).
 *
 * <pre>{@code
 * private final MtlsBundle<OrderConfiguration> mtls =
 *         MtlsBundle.withDatabase(OrderConfiguration::getDatabase, "migrations/order.xml");
 *
 * protected void addDefaultCommands(Bootstrap<OrderConfiguration> bootstrap) {
 *     MtlsBundle.addDefaultCommands(this, bootstrap); // server: start-up errors in one line
 * }
 *
 * public void initialize(Bootstrap<OrderConfiguration> bootstrap) {
 *     bootstrap.addBundle(mtls);
 * }
 *
 * public void run(OrderConfiguration config, Environment environment) throws Exception {
 *     mtls.authorize(environment, OrderRoles.ALL);
 *     Jdbi jdbi = mtls.jdbi(environment);
 *     WebTarget auth = mtls.client(environment, "auth", config.getAuth());
 * }
 * }</pre>
 *
 * <p>With {@code tls.enabled}, every connector of the {@code server} block (application and
 * admin) must be {@code type: mtls}: HTTPS that requires a client certificate signed by
 * {@code ca_cert}; a plain one stops start-up with a message naming it. The material is loaded and
 * checked before any port opens, and a bad file stops start-up with a {@link TlsException}
 * naming it. With {@code enabled: false} everything is plain HTTP and one WARN says so.
 *
 * <p>The material is then checked every {@code reload_interval}: new material that passes the
 * same checks is used by every connector, client and database pool at once, without a restart
 * (also on demand with {@code POST /tasks/reload-tls}). The {@code tls} health check reports
 * expiry and reloads, the {@code tls.*} metrics reloads and refused handshakes. Every metric is
 * also served in Prometheus text exposition at {@code /prometheus} on the admin port, under
 * Prometheus's names, with the certificates' expiry as timestamps
 * ({@code mtls_certificate_expiry_timestamp_seconds}) and the latency of the application's
 * resources as a histogram ({@code http_server_request_duration_seconds}). The probe port
 * ({@code probes.port}) serves {@code /livez} and {@code /readyz} in plain HTTP for kubelet; on
 * stop, readiness turns 503 and answers close their connections for {@code probes.drain_delay}
 * before the connectors stop ({@link Drain}).
 *
 * <p>Whatever comes from outside is bounded by the {@code limits} block: request bodies, JSON
 * depth and lengths, open connections per connector; and handshakes by
 * {@code tls.handshake_timeout}. JSON is read strictly: no type coercion, no duplicate keys.
 *
 * <p>The bundle also adds the {@code check-tls} command and, when it has a database, the
 * {@code db} commands; names properties in validation messages as the JSON and YAML write them
 * ({@code credit_card.number}, {@code tls.server_cert}); turns on {@code ${ENV_VAR}} substitution in the configuration file (for
 * {@code key_password}), installs {@code tls.provider} once, and on shutdown closes the source
 * it opened (its thread, its connection to a SPIRE agent).
 */
public final class MtlsBundle<C extends MtlsConfiguration> implements ConfiguredBundle<C> {
    private static final Logger LOG = LoggerFactory.getLogger(MtlsBundle.class);

    private final Function<C, DataSourceFactory> databaseOf;
    private final String migrations;
    private Clock clock = Clock.systemUTC();
    private C configuration;
    private Environment environment;
    private TlsSource source;
    private TlsSource databaseSource;
    private AdminAuthorizationFilter admin;
    private PrometheusRegistry prometheus;

    private MtlsBundle(Function<C, DataSourceFactory> databaseOf, String migrations) {
        this.databaseOf = databaseOf;
        this.migrations = migrations;
    }

    /** A bundle for a service without a database of its own. */
    public static <C extends MtlsConfiguration> MtlsBundle<C> create() {
        return new MtlsBundle<>(null, null);
    }

    /**
     * A bundle for a service with a database: {@link #jdbi(Environment)} gives it over mTLS (on
     * PostgreSQL) with {@code migrations} applied, and the {@code db} commands run them too.
     *
     * @param migrations the Liquibase changelog on the class path, e.g. {@code migrations/order.xml}
     */
    public static <C extends MtlsConfiguration> MtlsBundle<C> withDatabase(Function<C, DataSourceFactory> database,
                                                                           String migrations) {
        return new MtlsBundle<>(Objects.requireNonNull(database, "database"), Objects.requireNonNull(migrations,
                "migrations"));
    }

    /**
     * What "now" is for every time decision: validity of certificates in handshakes and at
     * reload, CRL freshness, expired peers on open connections, health, {@code check-tls}.
     * Default the system clock; tests move a clock of their own instead of waiting.
     */
    public MtlsBundle<C> clock(Clock clock) {
        this.clock = Objects.requireNonNull(clock, "clock");
        return this;
    }

    /**
     * Dropwizard's default commands, with {@code server} reporting a bad configuration (a broken
     * {@code tls} block above all) in one line naming the setting and the file instead of a stack
     * trace. Call it from the application's {@code addDefaultCommands}, in place of the default:
     *
     * <pre>{@code
     * protected void addDefaultCommands(Bootstrap<OrderConfiguration> bootstrap) {
     *     MtlsBundle.addDefaultCommands(this, bootstrap);
     * }
     * }</pre>
     */
    public static <C extends Configuration> void addDefaultCommands(Application<C> application, Bootstrap<C> bootstrap) {
        bootstrap.addCommand(new MtlsServerCommand<>(application));
        bootstrap.addCommand(new CheckCommand<>(application));
    }

    @Override
    @SuppressWarnings("unchecked") // the bootstrap is the one of the application this bundle is for
    public void initialize(Bootstrap<?> bootstrap) {
        Application<C> application = (Application<C>) bootstrap.getApplication();
        Bootstrap<C> typed = (Bootstrap<C>) bootstrap;
        typed.setConfigurationSourceProvider(new SubstitutingSourceProvider(
                typed.getConfigurationSourceProvider(), new EnvironmentVariableSubstitutor(false)));
        typed.addCommand(new CheckTlsCommand<>(application, MtlsConfiguration::getTls, () -> clock, System.out));
        typed.setValidatorFactory(Validators.newConfiguration()
                .propertyNodeNameProvider(new JsonPropertyNames(typed.getObjectMapper())).buildValidatorFactory());
        if (databaseOf != null) {
            typed.addBundle(new MigrationsBundle<C>() {
                @Override
                public DataSourceFactory getDataSourceFactory(C configuration) {
                    return database(configuration, databaseOf.apply(configuration));
                }

                @Override
                public String getMigrationsFileName() {
                    return migrations;
                }
            });
        }
    }

    @Override
    public void run(C configuration, Environment environment) {
        this.configuration = configuration;
        this.environment = environment;
        TlsConfiguration tls = configuration.getTls();
        RequestLimits.register(environment, configuration.getLimits());
        prometheus = PrometheusEndpoint.register(environment);
        if (tls.isEnabled()) {
            secure(environment, tls, MtlsConnectors.requireMtls(configuration.getServerFactory()));
        } else {
            LOG.warn("tls.enabled is false: every connector and client of this service speaks plain HTTP,"
                    + " unauthenticated and unencrypted");
            MtlsConnectors.mtls(configuration.getServerFactory()).forEach(MtlsConnectorFactory::plain);
        }
        Drain drain = new Drain(configuration.getProbes().getDrainDelay().toJavaDuration());
        environment.lifecycle().addEventListener(drain);
        EnumSet<DispatcherType> requests = EnumSet.of(DispatcherType.REQUEST);
        environment.servlets().addFilter("mtls-drain", drain.closingConnections()).addMappingForUrlPatterns(requests, false, "/*");
        environment.admin().addFilter("mtls-drain", drain.closingConnections()).addMappingForUrlPatterns(requests, false, "/*");
        if (configuration.getProbes().isEnabled()) {
            environment.lifecycle().manage(new ProbeServer(configuration.getProbes(), environment.healthChecks(),
                    environment.metrics(), source, drain));
        }
    }

    private void secure(Environment environment, TlsConfiguration tls, List<MtlsConnectorFactory> connectors) {
        TlsOptions options = tls.options(install(tls.getProvider()), clock);
        source = managed(environment, tls.getSource().build(options, tls.getTrustDomain()));
        databaseSource = tls.buildDatabaseSource(options).map(database -> managed(environment, database)).orElse(null);
        TlsHealth.register(environment, prometheus, source, databaseSource, tls.getTrustDomain(),
                tls.getExpiryWarning().toJavaDuration());
        admin = new AdminAuthorizationFilter(tls.getTrustDomain(), environment.getObjectMapper());
        environment.admin().addFilter("mtls-admin-authorization", admin)
                .addMappingForUrlPatterns(EnumSet.of(DispatcherType.REQUEST), false, "/*");
        Duration handshakeTimeout = tls.getHandshakeTimeout().toJavaDuration();
        PeerMetrics peers = new PeerMetrics(environment.metrics(), prometheus);
        connectors.forEach(connector -> connector.use(source, tls.getTrustDomain(), handshakeTimeout,
                configuration.getLimits(), peers));
        // The admin port is left out: ops saturating it does not stop the service serving.
        environment.healthChecks().register("connections",
                new SaturationHealthCheck(MtlsConnectors.serving(configuration.getServerFactory()),
                        configuration.getProbes().getSaturationGrace().toJavaDuration()));
    }

    private static TlsSource managed(Environment environment, TlsSource source) {
        environment.lifecycle().manage(new Managed() {
            @Override
            public void start() {
                source.start();
            }

            @Override
            public void stop() {
                source.close();
            }
        });
        return source;
    }

    /** Installs {@code tls.provider} in this JVM once per start-up, and says which. */
    private static Provider install(TlsProvider provider) {
        Provider installed = provider.install();
        if (provider != TlsProvider.AUTO) { // auto says what it chose itself, once per JVM
            LOG.info("tls.provider {}", provider.name().toLowerCase(Locale.ROOT));
        }
        return installed;
    }

    /**
     * The service of the block {@code name} of the configuration (a {@link ServiceClientConfiguration},
     * e.g. {@code auth:}), as a target at its {@code url}: over mutual TLS to the server identity
     * of its {@code identity} (by default {@code spiffe://<trust domain>/<name>}), with its
     * {@code client} settings, its metrics named {@code name}. See
     * {@link #clientBuilder(Environment, SpiffeId)}.
     *
     * <p>For a service of this system, whose every endpoint is idempotent by design (safe, or keyed
     * like order's {@code /paid} by the charge): a call that meets a connection the server
     * closed before any response is sent once more, POSTs included (docs/operations.md, "Retries").
     * A call that must not be repeated belongs on a {@link #clientBuilder} client, which repeats only
     * GET, HEAD, OPTIONS, TRACE, PUT and DELETE.
     *
     * @throws SettingException when {@code <name>.url} is not {@code https} while {@code tls.enabled},
     *                          or {@code <name>.identity} is not a SPIFFE ID of the trust domain
     */
    public WebTarget client(Environment environment, String name, ServiceClientConfiguration service) {
        TlsConfiguration tls = ran().getTls();
        if (tls.isEnabled() && !"https".equals(service.getUrl().getScheme())) {
            throw new SettingException(name + ".url", "is " + service.getUrl() + ", not https, while tls.enabled is true",
                    "write https://host:port");
        }
        SpiffeId identity = service.identity(name, tls.getTrustDomain());
        return newClientBuilder(environment, identity, true).using(service.getClient()).build(name).target(service.getUrl());
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
        return newClientBuilder(environment, Objects.requireNonNull(expectedServer, "expectedServer"), false);
    }

    /**
     * As {@link #clientBuilder(Environment, SpiffeId)}, for calls whose server identity is not
     * known in advance: any certificate of {@code ca_cert} is accepted whose SANs name the host
     * dialled. Prefer stating the identity.
     */
    public JerseyClientBuilder clientBuilder(Environment environment) {
        return newClientBuilder(environment, null, false);
    }

    private JerseyClientBuilder newClientBuilder(Environment environment, SpiffeId expectedServer,
                                                 boolean everyCallIdempotent) {
        TlsConfiguration tls = ran().getTls();
        JerseyClientBuilder builder = new JerseyClientBuilder(environment);
        if (tls.isEnabled()) {
            MtlsHttpClientBuilder client = new MtlsHttpClientBuilder(environment, source, expectedServer);
            builder.setApacheHttpClientBuilder(everyCallIdempotent ? client.everyCallIdempotent() : client);
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
    public void authorize(Environment environment, Set<String> roles) {
        TlsConfiguration tls = ran().getTls();
        PeerAuthorization.register(environment.jersey(), tls.isEnabled(), tls.getTrustDomain(),
                configuration.getAuthorization(), roles, admin);
        if (tls.isEnabled()) {
            Set<SpiffeId> withRoles = configuration.getAuthorization().grants(tls.getTrustDomain(), roles).entrySet()
                    .stream().filter(grant -> !grant.getValue().isEmpty()).map(Map.Entry::getKey).collect(Collectors.toSet());
            MtlsConnectors.application(configuration.getServerFactory()).forEach(c -> c.onlyWithRoles(withRoles));
        }
    }

    /**
     * The service's database, as JDBI: over mTLS with this service's identity when it is
     * PostgreSQL (see {@link #database}), its Liquibase migrations applied, H2 files owner-only,
     * pooled and health-checked as Dropwizard's {@code JdbiFactory} does. Call it from
     * {@code Application.run()} of a bundle made {@link #withDatabase withDatabase}.
     */
    public Jdbi jdbi(Environment environment) throws Exception {
        if (databaseOf == null) {
            throw new IllegalStateException("this MtlsBundle has no database: make it with MtlsBundle.withDatabase");
        }
        C config = ran();
        return MigratedJdbi.build(environment, database(config, databaseOf.apply(config)), migrations,
                environment.getName());
    }

    /**
     * {@code database} over this service's identity when it is PostgreSQL and {@code tls.enabled}:
     * connections present {@code client_cert} (or {@code tls.database.client_cert} when set), trust
     * only {@code ca_cert} (or {@code tls.database.ca_cert}) and check the server's
     * host name ({@code sslmode=verify-full}), follow reloads (pooled connections made with old
     * material are retired), and a refusal is a one-line start-up error. Any other database, or
     * TLS off, returns {@code database} itself. {@link #jdbi} uses it; call it yourself only to
     * build a data source of another kind. Outside {@code run} (the {@code db} commands) the
     * material is taken once, without watching for changes.
     *
     * @throws com.tiktokmall.mtls.dropwizard.config.SettingException when {@code database} sets TLS options of its own
     */
    public DataSourceFactory database(C configuration, DataSourceFactory database) {
        TlsConfiguration tls = configuration.getTls();
        if (!tls.isEnabled()) {
            return database;
        }
        if (configuration == this.configuration && source != null) {
            TlsSource material = databaseSource != null ? databaseSource : source;
            return MtlsDatabase.secure(database, () -> material, environment.getObjectMapper(), environment.lifecycle());
        }
        return MtlsDatabase.secure(database, () -> materialForACommand(tls), Jackson.newObjectMapper(), null);
    }

    /** The database connection's material for a command, taken once: nothing is watched while the command runs. */
    private TlsSource materialForACommand(TlsConfiguration tls) {
        TlsOptions options = tls.options(tls.getProvider().install(), clock);
        TlsSource once = tls.buildDatabaseSource(options)
                .orElseGet(() -> tls.getSource().build(options, tls.getTrustDomain()));
        once.close(); // ends a Workload API stream; the material taken stays readable
        return once;
    }

    /** The source of the TLS material every connector and client uses; empty with {@code tls.enabled: false}. */
    public Optional<TlsSource> source() {
        return Optional.ofNullable(source);
    }

    private C ran() {
        if (configuration == null) {
            throw new IllegalStateException("the MtlsBundle has not run: add it in initialize() and use it in run()");
        }
        return configuration;
    }
}
