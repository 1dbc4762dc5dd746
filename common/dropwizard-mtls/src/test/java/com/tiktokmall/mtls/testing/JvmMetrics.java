package com.tiktokmall.mtls.testing;

import io.dropwizard.core.Application;
import io.dropwizard.core.setup.Bootstrap;
import io.dropwizard.core.setup.Environment;

/**
 * The {@code jvm.*} metrics a service has in production: Dropwizard registers them when the
 * {@code server} command runs, which a test's {@code DropwizardTestSupport} does not use.
 */
public final class JvmMetrics {
    private JvmMetrics() {
    }

    /** Registers them in {@code environment}'s registry, as {@code Application.run} does, without the JMX reporter. */
    public static void registerAsInProduction(Application<?> application, Environment environment) {
        Bootstrap<?> bootstrap = new Bootstrap<>(application);
        bootstrap.setMetricRegistry(environment.metrics());
        bootstrap.registerMetrics();
        bootstrap.getJmxReporter().stop();
    }
}
