package com.tiktokmall.mtls.dropwizard.health;

import com.codahale.metrics.Counter;
import com.tiktokmall.mtls.source.TlsSource;
import io.dropwizard.core.setup.Environment;
import io.prometheus.metrics.model.registry.PrometheusRegistry;

import java.time.Duration;

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
     */
    public static void register(Environment environment, PrometheusRegistry prometheus, TlsSource source,
                                String trustDomain, Duration expiryWarning) {
        Counter succeeded = environment.metrics().counter("tls.reloads.succeeded");
        Counter failed = environment.metrics().counter("tls.reloads.failed");
        source.onChange(material -> succeeded.inc());
        source.onFailure(failure -> failed.inc());
        environment.admin().addTask(new ReloadTlsTask(source));
        environment.healthChecks().register("tls", new TlsHealthCheck(source, expiryWarning));
        ExpiryTimestamps.register(prometheus, source, trustDomain);
    }
}
