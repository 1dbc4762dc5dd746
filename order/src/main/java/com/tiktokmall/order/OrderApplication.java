package com.tiktokmall.order;

import com.fasterxml.jackson.databind.SerializationFeature;
import com.tiktokmall.authclient.AuthClient;
import com.tiktokmall.authclient.AuthUnavailableExceptionMapper;
import com.tiktokmall.mtls.dropwizard.MtlsBundle;
import com.tiktokmall.order.core.OrderService;
import com.tiktokmall.order.db.OrderDao;
import com.tiktokmall.order.resources.OrderResource;
import com.tiktokmall.order.resources.OrderRoles;
import io.dropwizard.core.Application;
import io.dropwizard.core.setup.Bootstrap;
import io.dropwizard.core.setup.Environment;
import org.jdbi.v3.core.Jdbi;

import java.time.Clock;

/** order: places and lists orders for users that auth vouches for, over mutual TLS only. */
public class OrderApplication extends Application<OrderConfiguration> {
    private final MtlsBundle<OrderConfiguration> mtls =
            MtlsBundle.withDatabase(OrderConfiguration::getDatabase, "migrations/order.xml");

    public static void main(String[] args) throws Exception {
        new OrderApplication().run(args);
    }

    @Override
    public String getName() {
        return "order";
    }

    @Override
    protected void addDefaultCommands(Bootstrap<OrderConfiguration> bootstrap) {
        MtlsBundle.addDefaultCommands(this, bootstrap);
    }

    @Override
    public void initialize(Bootstrap<OrderConfiguration> bootstrap) {
        bootstrap.getObjectMapper().disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS);
        bootstrap.addBundle(mtls);
    }

    @Override
    public void run(OrderConfiguration configuration, Environment environment) throws Exception {
        mtls.authorize(environment, OrderRoles.ALL);
        Jdbi jdbi = mtls.jdbi(environment);
        AuthClient auth = new AuthClient(mtls.client(environment, "auth", configuration.getAuth()),
                configuration.getAuth().getMaxTokenLength());
        environment.jersey().register(new AuthUnavailableExceptionMapper());
        environment.jersey().register(new OrderResource(new OrderService(jdbi.onDemand(OrderDao.class),
                Clock.systemUTC()), auth));
    }
}
