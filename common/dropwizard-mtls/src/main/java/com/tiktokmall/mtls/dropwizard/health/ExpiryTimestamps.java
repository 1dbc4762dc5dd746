package com.tiktokmall.mtls.dropwizard.health;

import com.tiktokmall.mtls.Certificates;
import com.tiktokmall.mtls.SpiffeId;
import com.tiktokmall.mtls.source.TlsMaterial;
import com.tiktokmall.mtls.source.TlsSource;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.prometheus.metrics.model.snapshots.Unit;

import java.security.cert.X509CRL;
import java.security.cert.X509Certificate;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * When the material in use runs out, as Unix times in seconds, read from the source's current
 * material at every scrape (so a reload shows at once):
 * <ul>
 * <li>{@code mtls_certificate_expiry_timestamp_seconds{setting, spiffe_id, serial}}: the not-after
 *     of every certificate in use, one series each: {@code server_cert}, {@code client_cert} and
 *     each CA of {@code ca_cert}. {@code spiffe_id} is the workload's SPIFFE ID the certificate
 *     carries in the trust domain, empty when it carries none, and always for a CA (a CA is no
 *     workload; the trust domain its URI may name is the same on every series). {@code serial}
 *     is in lowercase hex, as
 *     {@code /healthcheck} and {@code check-tls} print it. Two CAs of one setting with the same
 *     serial are one series, with the earlier expiry. The files of {@code tls.database} count as
 *     {@code database.client_cert} and {@code database.ca_cert}.
 * <li>{@code mtls_crl_next_update_timestamp_seconds{issuer}}, with {@code tls.crl}: when each CA's
 *     CRL must be replaced (after that, every peer of that CA is refused).
 * </ul>
 */
final class ExpiryTimestamps {
    static final String CERTIFICATES = "mtls_certificate_expiry_timestamp_seconds";
    static final String CRLS = "mtls_crl_next_update_timestamp_seconds";

    private ExpiryTimestamps() {
    }

    /** @param database the source of {@code tls.database}, or null */
    static void register(PrometheusRegistry registry, TlsSource source, TlsSource database, String trustDomain) {
        GaugeWithCallback.builder().name(CERTIFICATES).unit(Unit.SECONDS)
                .help("When each certificate in use expires (not-after), in Unix time")
                .labelNames("setting", "spiffe_id", "serial")
                .callback(gauge -> {
                    certificates(source.current(), trustDomain, "")
                            .forEach((labels, notAfter) -> gauge.call(notAfter, labels.toArray(String[]::new)));
                    if (database != null) {
                        certificates(database.current(), trustDomain, "database.")
                                .forEach((labels, notAfter) -> gauge.call(notAfter, labels.toArray(String[]::new)));
                    }
                })
                .register(registry);
        if (source.options().crl().isPresent()) {
            GaugeWithCallback.builder().name(CRLS).unit(Unit.SECONDS)
                    .help("When each CA's CRL in use must be replaced (next update), in Unix time")
                    .labelNames("issuer")
                    .callback(gauge -> crls(source.current()).forEach((issuer, nextUpdate) -> gauge.call(nextUpdate, issuer)))
                    .register(registry);
        }
    }

    /** Not-after in Unix seconds by label values; labels repeated (a serial twice in a setting) keep the earliest. */
    static Map<List<String>, Double> certificates(TlsMaterial material, String trustDomain, String settingPrefix) {
        Map<List<String>, Double> notAfter = new LinkedHashMap<>();
        material.certificates().forEach((setting, certificates) -> {
            for (X509Certificate certificate : certificates) {
                String spiffeId = Certificates.isCa(certificate) ? ""
                        : SpiffeId.fromCertificate(certificate, trustDomain).map(SpiffeId::toString).orElse("");
                List<String> labels = List.of(settingPrefix + setting, spiffeId, certificate.getSerialNumber().toString(16));
                notAfter.merge(labels, (double) certificate.getNotAfter().toInstant().getEpochSecond(), Math::min);
            }
        });
        return notAfter;
    }

    private static Map<String, Double> crls(TlsMaterial material) {
        Map<String, Double> nextUpdate = new TreeMap<>();
        for (X509CRL crl : material.trust().crls()) {
            if (crl.getNextUpdate() != null) {
                nextUpdate.merge(crl.getIssuerX500Principal().getName(),
                        (double) crl.getNextUpdate().toInstant().getEpochSecond(), Math::min);
            }
        }
        return nextUpdate;
    }
}
