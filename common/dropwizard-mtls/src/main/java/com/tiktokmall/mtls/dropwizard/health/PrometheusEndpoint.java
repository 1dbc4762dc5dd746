package com.tiktokmall.mtls.dropwizard.health;

import io.dropwizard.core.setup.Environment;
import io.prometheus.metrics.exporter.servlet.jakarta.PrometheusMetricsServlet;
import io.prometheus.metrics.instrumentation.dropwizard.DropwizardExports;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code GET /prometheus} on the admin port: every metric of the service's registry in Prometheus
 * text exposition, through the Prometheus client's own Dropwizard bridge and servlet, under names
 * by Prometheus's conventions ({@link PrometheusNames}); and the latency of the application's
 * resources as a histogram ({@link RequestDurations}). Like the rest of the admin port beyond
 * health, only {@code authorization.admin} may read it.
 */
public final class PrometheusEndpoint {
    private static final Logger LOG = LoggerFactory.getLogger(PrometheusEndpoint.class);

    /** The admin path Prometheus scrapes. */
    public static final String PATH = "/prometheus";

    private PrometheusEndpoint() {
    }

    /** A metric that cannot be read now (a gauge whose database is away) is left out of this scrape, not the scrape. */
    private static boolean leaveOut(String name, Exception e) {
        LOG.warn("metric {} left out of this scrape: {}", name, e.toString());
        return true;
    }

    /** Serves the service's metrics; returns the registry where metrics with labels are added too. */
    public static PrometheusRegistry register(Environment environment) {
        PrometheusRegistry registry = new PrometheusRegistry();
        DropwizardExports.builder().dropwizardRegistry(new PrometheusNames(environment.metrics()))
                .invalidMetricHandler(PrometheusEndpoint::leaveOut).register(registry);
        environment.jersey().register(new RequestDurations(registry));
        environment.admin().addServlet("prometheus", new PrometheusMetricsServlet(registry)).addMapping(PATH);
        return registry;
    }
}
