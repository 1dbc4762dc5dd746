package com.tiktokmall.mtls.dropwizard.health;

import com.codahale.metrics.Gauge;
import com.codahale.metrics.MetricRegistry;
import com.tiktokmall.mtls.source.TlsSource;

import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;

/**
 * {@code tls.<server_cert|client_cert|ca_cert>.seconds-until-expiry}: how long the certificates in
 * use have left (for ca_cert, the CA that expires first), always read from the current material;
 * with {@code tls.crl}, {@code tls.crl.seconds-until-next-update} too.
 */
final class CertificateExpiryGauges {
    private CertificateExpiryGauges() {
    }

    static void register(MetricRegistry metrics, TlsSource material) {
        for (String setting : material.current().certificates().keySet()) {
            metrics.gauge(MetricRegistry.name("tls", setting, "seconds-until-expiry"), () -> (Gauge<Long>) () ->
                    material.current().certificates().get(setting).stream()
                            .mapToLong(certificate -> secondsLeft(certificate, material.options().clock().instant())).min().orElse(0));
        }
        if (!material.current().trust().crls().isEmpty()) {
            metrics.gauge("tls.crl.seconds-until-next-update", () -> (Gauge<Long>) () ->
                    material.current().trust().crls().stream()
                            .mapToLong(crl -> Duration.between(material.options().clock().instant(), crl.getNextUpdate().toInstant()).getSeconds())
                            .min().orElse(0));
        }
    }

    private static long secondsLeft(X509Certificate certificate, Instant now) {
        return Duration.between(now, certificate.getNotAfter().toInstant()).getSeconds();
    }
}
