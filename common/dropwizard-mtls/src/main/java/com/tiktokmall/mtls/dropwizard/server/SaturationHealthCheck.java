package com.tiktokmall.mtls.dropwizard.server;

import com.codahale.metrics.health.HealthCheck;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * The {@code connections} health check: unhealthy once a {@code type: mtls} connector serving the
 * application has been unable to take more work — all of {@code limits.max_connections} open, or
 * the server's threads nearly all busy — in every check for {@code probes.saturation_grace}, so
 * that {@code /readyz} takes the replica out of service until it can serve again. The grace keeps
 * a short spike that fills every replica alike from taking them all out at once. A peer kept
 * within its share ({@code limits.max_connections_per_peer}) cannot make it so on its own. The
 * admin port is not among them: an operator filling it does not stop the service serving.
 */
public final class SaturationHealthCheck extends HealthCheck {
    private final Supplier<List<String>> saturation;
    private final Duration grace;
    private final Clock clock;
    private Instant saturatedSince;

    public SaturationHealthCheck(List<MtlsConnectorFactory> connectors, Duration grace) {
        this(() -> connectors.stream().map(MtlsConnectorFactory::saturation).flatMap(Optional::stream)
                .distinct().toList(), grace, Clock.systemUTC());
    }

    /** @param saturation why each saturated connector is so; empty when none is */
    SaturationHealthCheck(Supplier<List<String>> saturation, Duration grace, Clock clock) {
        this.saturation = saturation;
        this.grace = grace;
        this.clock = clock;
    }

    @Override
    protected synchronized Result check() {
        List<String> saturated = saturation.get();
        if (saturated.isEmpty()) {
            saturatedSince = null;
            return Result.healthy("every connector takes new connections and requests");
        }
        Instant now = clock.instant();
        if (saturatedSince == null) {
            saturatedSince = now;
        }
        Duration lasted = Duration.between(saturatedSince, now);
        String why = String.join("; ", saturated);
        return lasted.compareTo(grace) >= 0 ? Result.unhealthy(why + " (for " + lasted.toSeconds() + "s)")
                : Result.healthy(why + ", for " + lasted.toMillis() + " ms: within probes.saturation_grace " + grace);
    }
}
