package com.tiktokmall.mtls.dropwizard.health;

import com.codahale.metrics.Counter;
import com.tiktokmall.mtls.source.TlsSource;
import io.dropwizard.core.setup.Environment;

import java.time.Duration;

/**
 * What operators see of a {@link TlsSource}: the {@code tls} health check, the
 * {@code tls.*} expiry gauges and reload counters, and the {@code reload-tls} admin task.
 */
public final class TlsHealth {
    private TlsHealth() {
    }

    /** Registers all of it for {@code source}; {@code expiryWarning} is how early the health check warns. */
    public static void register(Environment environment, TlsSource source, Duration expiryWarning) {
        Counter succeeded = environment.metrics().counter("tls.reloads.succeeded");
        Counter failed = environment.metrics().counter("tls.reloads.failed");
        source.onChange(material -> succeeded.inc());
        source.onFailure(failure -> failed.inc());
        environment.admin().addTask(new ReloadTlsTask(source));
        environment.healthChecks().register("tls", new TlsHealthCheck(source, expiryWarning));
        CertificateExpiryGauges.register(environment.metrics(), source);
    }
}
