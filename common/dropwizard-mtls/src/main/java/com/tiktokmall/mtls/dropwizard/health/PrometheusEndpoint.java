package com.tiktokmall.mtls.dropwizard.health;

import io.dropwizard.core.setup.Environment;
import io.prometheus.metrics.exporter.servlet.jakarta.PrometheusMetricsServlet;
import io.prometheus.metrics.instrumentation.dropwizard.DropwizardExports;
import io.prometheus.metrics.model.registry.PrometheusRegistry;

/**
 * {@code GET /prometheus} on the admin port: every metric of the service's registry in Prometheus
 * text exposition, through the Prometheus client's own Dropwizard bridge and servlet. Like the
 * rest of the admin port beyond health, only {@code authorization.admin} may read it.
 */
public final class PrometheusEndpoint {
    /** The admin path Prometheus scrapes. */
    public static final String PATH = "/prometheus";

    private PrometheusEndpoint() {
    }

    public static void register(Environment environment) {
        PrometheusRegistry registry = new PrometheusRegistry();
        registry.register(new DropwizardExports(new PrometheusNames(environment.metrics())));
        environment.admin().addServlet("prometheus", new PrometheusMetricsServlet(registry)).addMapping(PATH);
    }
}
