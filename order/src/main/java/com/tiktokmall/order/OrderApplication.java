package com.tiktokmall.order;

import com.fasterxml.jackson.databind.SerializationFeature;
import com.tiktokmall.mtls.SpiffeId;
import com.tiktokmall.mtls.dropwizard.MtlsBundle;
import com.tiktokmall.mtls.dropwizard.PrivateH2Files;
import com.tiktokmall.mtls.dropwizard.command.MtlsServerCommand;
import com.tiktokmall.order.client.AuthClient;
import com.tiktokmall.order.client.AuthUnavailableExceptionMapper;
import com.tiktokmall.order.core.OrderService;
import com.tiktokmall.order.db.OrderDao;
import com.tiktokmall.order.resources.OrderResource;
import com.tiktokmall.order.resources.OrderRoles;
import io.dropwizard.core.Application;
import io.dropwizard.core.cli.CheckCommand;
import io.dropwizard.core.setup.Bootstrap;
import io.dropwizard.core.setup.Environment;
import io.dropwizard.db.DataSourceFactory;
import io.dropwizard.jdbi3.JdbiFactory;
import io.dropwizard.migrations.CloseableLiquibase;
import io.dropwizard.migrations.CloseableLiquibaseWithClassPathMigrationsFile;
import io.dropwizard.migrations.MigrationsBundle;
import jakarta.ws.rs.client.Client;
import liquibase.Contexts;
import org.jdbi.v3.core.Jdbi;

import java.time.Clock;

/** order: places and lists orders for users that auth vouches for, over mutual TLS only. */
public class OrderApplication extends Application<OrderConfiguration> {
    private static final String MIGRATIONS = "migrations/order.xml";

    private final MtlsBundle<OrderConfiguration> mtls = MtlsBundle.of(OrderConfiguration::getTls);

    public static void main(String[] args) throws Exception {
        new OrderApplication().run(args);
    }

    @Override
    public String getName() {
        return "order";
    }

    @Override
    protected void addDefaultCommands(Bootstrap<OrderConfiguration> bootstrap) {
        bootstrap.addCommand(new MtlsServerCommand<>(this));
        bootstrap.addCommand(new CheckCommand<>(this));
    }

    @Override
    public void initialize(Bootstrap<OrderConfiguration> bootstrap) {
        bootstrap.getObjectMapper().disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS);
        bootstrap.addBundle(mtls);
        bootstrap.addBundle(new MigrationsBundle<>() {
            @Override
            public DataSourceFactory getDataSourceFactory(OrderConfiguration configuration) {
                return mtls.database(configuration, configuration.getDatabase());
            }

            @Override
            public String getMigrationsFileName() {
                return MIGRATIONS;
            }
        });
    }

    @Override
    public void run(OrderConfiguration configuration, Environment environment) throws Exception {
        mtls.probes(environment, configuration.getProbes());
        mtls.authorize(environment, configuration.getAuthorization(), OrderRoles.ALL);
        // PostgreSQL: logs in with this service's certificate (see MtlsBundle.database)
        DataSourceFactory database = mtls.database(configuration, configuration.getDatabase());
        PrivateH2Files.prepare(database.getUrl());
        try (CloseableLiquibase liquibase = new CloseableLiquibaseWithClassPathMigrationsFile(
                database.build(environment.metrics(), "order-migrations"), MIGRATIONS)) {
            liquibase.update(new Contexts());
        }
        Jdbi jdbi = new JdbiFactory().build(environment, database, "order-db");
        SpiffeId authIdentity = configuration.getAuth().identity(configuration.getTls().getTrustDomain());
        Client authHttp = mtls.clientBuilder(environment, authIdentity).using(configuration.getAuth().getClient())
                .build("auth");
        AuthClient auth = new AuthClient(authHttp, configuration.getAuth().getUrl(),
                configuration.getAuth().getMaxTokenLength());
        environment.jersey().register(new AuthUnavailableExceptionMapper());
        environment.jersey().register(new OrderResource(new OrderService(jdbi.onDemand(OrderDao.class),
                Clock.systemUTC()), auth));
    }
}
