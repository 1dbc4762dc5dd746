package com.tiktokmall.mtls.dropwizard.health;

import com.codahale.metrics.health.HealthCheck;
import com.tiktokmall.mtls.Certificates;
import com.tiktokmall.mtls.source.TlsSource;

import java.security.cert.X509CRL;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The {@code tls} health check: for every certificate in use its subject, serial, not-after and
 * days left. Unhealthy when one has expired, the last reload failed, or a connector, client or
 * pool has not taken the material in use; healthy with a warning
 * within {@code tls.expiry_warning} of an expiry. Unhealthy too when the checks of the files
 * have stalled. With {@code tls.crl}, unhealthy too once a CRL is
 * past its next update (from then on the JDK refuses every certificate of that CA).
 */
final class TlsHealthCheck extends HealthCheck {
    private final TlsSource material;
    private final Duration warning;

    TlsHealthCheck(TlsSource material, Duration warning) {
        this.material = material;
        this.warning = warning;
    }

    @Override
    protected Result check() {
        Instant now = material.options().clock().instant();
        List<String> problems = new ArrayList<>();
        List<String> warnings = new ArrayList<>();
        ResultBuilder result = Result.builder();
        material.current().certificates().forEach((setting, certificates) -> {
            List<Map<String, Object>> details = new ArrayList<>();
            for (X509Certificate certificate : certificates) {
                Instant notAfter = certificate.getNotAfter().toInstant();
                long daysLeft = Duration.between(now, notAfter).toDays();
                details.add(detail(certificate, notAfter, daysLeft));
                String what = setting + " " + Certificates.name(certificate);
                if (now.isAfter(notAfter)) {
                    problems.add(what + " expired at " + notAfter);
                } else if (Duration.between(now, notAfter).compareTo(warning) < 0) {
                    warnings.add(what + " expires in " + daysLeft + " days, at " + notAfter);
                }
            }
            result.withDetail(setting, details);
        });
        List<Map<String, Object>> crls = new ArrayList<>();
        for (X509CRL crl : material.current().trust().crls()) {
            Instant nextUpdate = crl.getNextUpdate().toInstant();
            crls.add(Map.of("issuer", crl.getIssuerX500Principal().getName(), "next_update", nextUpdate.toString()));
            if (now.isAfter(nextUpdate)) {
                problems.add("the CRL of " + crl.getIssuerX500Principal().getName() + " is out of date since " + nextUpdate
                        + ", so every peer it vouches for is refused; publish a fresh one");
            }
        }
        if (!crls.isEmpty()) {
            result.withDetail("crl", crls);
        }
        material.lastFailure().ifPresent(e -> problems.add("the last reload failed, older certificates are in use: "
                + e.getMessage()));
        material.behind().ifPresent(e -> problems.add(e.getMessage()));
        material.stalled().ifPresent(stall -> problems.add(stall + "; rotation and CRL updates are not picked up"));
        if (!problems.isEmpty()) {
            return result.unhealthy().withMessage(String.join("; ", problems)).build();
        }
        return result.healthy().withMessage(warnings.isEmpty() ? "certificates valid" : "WARNING: "
                + String.join("; ", warnings)).build();
    }

    private static Map<String, Object> detail(X509Certificate certificate, Instant notAfter, long daysLeft) {
        Map<String, Object> detail = new LinkedHashMap<>();
        detail.put("subject", Certificates.subject(certificate));
        detail.put("serial", certificate.getSerialNumber().toString(16));
        detail.put("not_after", notAfter.toString());
        detail.put("days_left", daysLeft);
        return detail;
    }
}
