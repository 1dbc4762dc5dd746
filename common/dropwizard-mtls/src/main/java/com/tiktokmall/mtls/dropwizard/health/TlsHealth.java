package com.tiktokmall.mtls.dropwizard.health;

import com.codahale.metrics.Counter;
import com.tiktokmall.mtls.source.TlsSource;
import io.dropwizard.core.setup.Environment;
import io.prometheus.metrics.model.registry.PrometheusRegistry;

import java.time.Duration;
import java.util.List;

/**
 * What operators see of a {@link TlsSource}: the {@code tls} health check, the
 * {@code tls.reloads.*} counters, the certificates' and CRLs' expiry in Prometheus
 * ({@code mtls_certificate_expiry_timestamp_seconds}, {@code mtls_crl_next_update_timestamp_seconds}),
 * and the {@code reload-tls} admin task.
 */
public final class TlsHealth {
    private TlsHealth() {
    }

    /**
     * Registers all of it for {@code source}, the expiry in {@code prometheus}; {@code trustDomain}
     * is the one of the certificates' SPIFFE IDs, {@code expiryWarning} how early the health check warns.
     * {@code database}, the source of {@code tls.database} or null, gets a health check of its own,
     * {@code tls-database} (outside readiness, like the database), counts in the same reload
     * counters, its certificates' expiry under {@code setting="database.client_cert"} and
     * {@code "database.ca_cert"}, and is reloaded by the same task.
     */
    public static void register(Environment environment, PrometheusRegistry prometheus, TlsSource source,
                                TlsSource database, String trustDomain, Duration expiryWarning) {
        Counter succeeded = environment.metrics().counter("tls.reloads.succeeded");
        Counter failed = environment.metrics().counter("tls.reloads.failed");
        List<TlsSource> sources = database == null ? List.of(source) : List.of(source, database);
        for (TlsSource each : sources) {
            each.onChange(material -> succeeded.inc());
            each.onFailure(failure -> failed.inc());
        }
        environment.admin().addTask(new ReloadTlsTask(sources));
        environment.healthChecks().register("tls", new TlsHealthCheck(source, expiryWarning));
        if (database != null) {
            environment.healthChecks().register("tls-database", new TlsHealthCheck(database, expiryWarning));
        }
        ExpiryTimestamps.register(prometheus, source, database, trustDomain);
    }
}
