package com.tiktokmall.order;

import com.tiktokmall.mtls.dropwizard.MtlsBundle;
import io.dropwizard.core.Application;
import io.dropwizard.core.setup.Bootstrap;
import io.dropwizard.core.setup.Environment;

public class OrderApplication extends Application<OrderConfiguration> {
    private final MtlsBundle<OrderConfiguration> mtls = MtlsBundle.of(OrderConfiguration::getTls);

    public static void main(String[] args) throws Exception {
        new OrderApplication().run(args);
    }

    @Override
    public String getName() {
        return "order";
    }

    @Override
    public void initialize(Bootstrap<OrderConfiguration> bootstrap) {
        bootstrap.addBundle(mtls);
    }

    @Override
    public void run(OrderConfiguration configuration, Environment environment) {
    }
}
