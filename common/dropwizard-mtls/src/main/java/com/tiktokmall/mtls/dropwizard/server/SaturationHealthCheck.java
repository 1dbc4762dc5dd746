package com.tiktokmall.mtls.dropwizard.server;

import com.codahale.metrics.health.HealthCheck;

import java.util.List;
import java.util.Optional;

/**
 * The {@code connections} health check: unhealthy while a {@code type: mtls} connector serving the
 * application cannot take more work — all of {@code limits.max_connections} open, or the server's threads nearly all busy
 * — so that {@code /readyz} takes the replica out of service until it can serve again. A peer kept
 * within its share ({@code limits.max_connections_per_peer}) cannot make it so on its own. The
 * admin port is not among them: an operator filling it does not stop the service serving.
 */
public final class SaturationHealthCheck extends HealthCheck {
    private final List<MtlsConnectorFactory> connectors;

    public SaturationHealthCheck(List<MtlsConnectorFactory> connectors) {
        this.connectors = List.copyOf(connectors);
    }

    @Override
    protected Result check() {
        List<String> saturated = connectors.stream().map(MtlsConnectorFactory::saturation).flatMap(Optional::stream)
                .distinct().toList();
        return saturated.isEmpty() ? Result.healthy("every connector takes new connections and requests")
                : Result.unhealthy(String.join("; ", saturated));
    }
}
