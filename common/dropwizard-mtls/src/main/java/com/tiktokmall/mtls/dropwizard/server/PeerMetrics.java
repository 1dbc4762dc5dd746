package com.tiktokmall.mtls.dropwizard.server;

import com.codahale.metrics.MetricRegistry;
import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.model.registry.PrometheusRegistry;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Connections refused or closed to keep one peer from shutting out the others, counted per peer:
 * in Prometheus as {@code mtls_connections_refused_total} and {@code mtls_connections_closed_total}
 * with the labels {@code connector}, {@code spiffe_id} (empty before the handshake) and
 * {@code reason}; in the Dropwizard registry as totals, {@code connections.refused.<reason>} and
 * {@code connections.closed.<reason>}. At most {@value #MAX_PEERS} SPIFFE IDs get a label of their
 * own; the others are counted as {@code other}, so a CA issuing many identities cannot make the
 * scrape grow without bound.
 */
public final class PeerMetrics {
    static final String OTHER = "other";
    private static final int MAX_PEERS = 256;

    private final MetricRegistry metrics;
    private final Counter refused;
    private final Counter closed;
    private final Set<String> labelled = ConcurrentHashMap.newKeySet();

    public PeerMetrics(MetricRegistry metrics, PrometheusRegistry prometheus) {
        this.metrics = metrics;
        this.refused = Counter.builder().name("mtls_connections_refused_total")
                .help("Connections closed before serving a request, to keep a peer within its share")
                .labelNames("connector", "spiffe_id", "reason").register(prometheus);
        this.closed = Counter.builder().name("mtls_connections_closed_total")
                .help("Connections closed while a peer held them: too slow a request, or no role here")
                .labelNames("connector", "spiffe_id", "reason").register(prometheus);
    }

    /** A connection refused: {@code peer} is empty when it was refused before its handshake. */
    void refused(String connector, String peer, String reason) {
        metrics.meter(MetricRegistry.name("connections.refused", reason.replace('_', '-'))).mark();
        refused.labelValues(connector, label(peer), reason).inc();
    }

    /** A connection closed under a peer. */
    void closed(String connector, String peer, String reason) {
        metrics.meter(MetricRegistry.name("connections.closed", reason.replace('_', '-'))).mark();
        closed.labelValues(connector, label(peer), reason).inc();
    }

    private String label(String peer) {
        if (peer.isEmpty() || labelled.contains(peer)) {
            return peer;
        }
        if (labelled.size() < MAX_PEERS) {
            labelled.add(peer);
            return peer;
        }
        return OTHER;
    }
}
