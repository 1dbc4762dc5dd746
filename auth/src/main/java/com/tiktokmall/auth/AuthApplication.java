package com.tiktokmall.auth;

import com.fasterxml.jackson.databind.SerializationFeature;
import com.tiktokmall.auth.core.TokenService;
import com.tiktokmall.auth.core.TokenSigningKey;
import com.tiktokmall.auth.db.RevocationDao;
import com.tiktokmall.auth.resources.AuthRoles;
import com.tiktokmall.auth.resources.TokenResource;
import com.tiktokmall.mtls.dropwizard.MtlsBundle;
import com.tiktokmall.mtls.dropwizard.PrivateH2Files;
import com.tiktokmall.mtls.dropwizard.command.MtlsServerCommand;
import io.dropwizard.core.Application;
import io.dropwizard.core.cli.CheckCommand;
import io.dropwizard.core.setup.Bootstrap;
import io.dropwizard.core.setup.Environment;
import io.dropwizard.db.DataSourceFactory;
import io.dropwizard.jdbi3.JdbiFactory;
import io.dropwizard.migrations.CloseableLiquibase;
import io.dropwizard.migrations.CloseableLiquibaseWithClassPathMigrationsFile;
import io.dropwizard.migrations.MigrationsBundle;
import liquibase.Contexts;
import org.jdbi.v3.core.Jdbi;

import java.time.Clock;
import java.util.List;
import java.util.stream.IntStream;

/** auth: issues, verifies and revokes user tokens, over mutual TLS only. */
public class AuthApplication extends Application<AuthConfiguration> {
    private static final String MIGRATIONS = "migrations/auth.xml";

    private final MtlsBundle<AuthConfiguration> mtls = MtlsBundle.of(AuthConfiguration::getTls);

    public static void main(String[] args) throws Exception {
        new AuthApplication().run(args);
    }

    @Override
    public String getName() {
        return "auth";
    }

    @Override
    protected void addDefaultCommands(Bootstrap<AuthConfiguration> bootstrap) {
        bootstrap.addCommand(new MtlsServerCommand<>(this));
        bootstrap.addCommand(new CheckCommand<>(this));
    }

    @Override
    public void initialize(Bootstrap<AuthConfiguration> bootstrap) {
        bootstrap.getObjectMapper().disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS);
        bootstrap.addBundle(mtls);
        bootstrap.addBundle(new MigrationsBundle<>() {
            @Override
            public DataSourceFactory getDataSourceFactory(AuthConfiguration configuration) {
                return mtls.database(configuration, configuration.getDatabase());
            }

            @Override
            public String getMigrationsFileName() {
                return MIGRATIONS;
            }
        });
    }

    @Override
    public void run(AuthConfiguration configuration, Environment environment) throws Exception {
        mtls.probes(environment, configuration.getProbes());
        mtls.authorize(environment, configuration.getAuthorization(), AuthRoles.ALL);
        // PostgreSQL: logs in with this service's certificate (see MtlsBundle.database)
        DataSourceFactory database = mtls.database(configuration, configuration.getDatabase());
        PrivateH2Files.prepare(database.getUrl());
        try (CloseableLiquibase liquibase = new CloseableLiquibaseWithClassPathMigrationsFile(
                database.build(environment.metrics(), "auth-migrations"), MIGRATIONS)) {
            liquibase.update(new Contexts());
        }
        Jdbi jdbi = new JdbiFactory().build(environment, database, "auth-db");
        TokensConfiguration tokens = configuration.getTokens();
        List<TokenSigningKey> previousKeys = IntStream.range(0, tokens.getPreviousKeys().size())
                .mapToObj(i -> TokenSigningKey.previousFromPem(tokens.getPreviousKeys().get(i), i)).toList();
        TokenService tokenService = new TokenService(TokenSigningKey.fromPem(tokens.getSigningKey()), previousKeys,
                tokens.getIssuer(), tokens.getLifetime(), tokens.getMaxLength(), jdbi.onDemand(RevocationDao.class),
                Clock.systemUTC());
        environment.jersey().register(new TokenResource(tokenService));
    }
}
