package com.tiktokmall.mtls.dropwizard.health;

import com.codahale.metrics.Counter;
import com.codahale.metrics.Gauge;
import com.codahale.metrics.Histogram;
import com.codahale.metrics.Meter;
import com.codahale.metrics.MetricFilter;
import com.codahale.metrics.MetricRegistry;
import com.codahale.metrics.Timer;
import io.prometheus.metrics.model.snapshots.PrometheusNaming;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * The service's metrics under names Prometheus can tell apart. Prometheus strips the suffixes it
 * reserves ({@code _total}, {@code _created}, {@code _bucket}, {@code _info}) from the names it is
 * given, so Jersey's {@code <resource method>.total} timer (the whole request, filters included)
 * would collide with the method's own timer and fail every scrape ("duplicate metric name"). Where
 * two names would collide, the one that lost a suffix is renamed: {@code x.total} to
 * {@code x.with_filters}, any other to {@code <name>_value}, with {@code _} added until the name is
 * free. Only the Prometheus view is renamed: {@code /metrics} keeps Dropwizard's names.
 */
final class PrometheusNames extends MetricRegistry {
    private static final String TOTAL = ".total";

    private final MetricRegistry registry;

    PrometheusNames(MetricRegistry registry) {
        this.registry = registry;
    }

    @Override
    @SuppressWarnings("rawtypes")
    public SortedMap<String, Gauge> getGauges(MetricFilter filter) {
        return renamed(registry.getGauges(filter));
    }

    @Override
    public SortedMap<String, Counter> getCounters(MetricFilter filter) {
        return renamed(registry.getCounters(filter));
    }

    @Override
    public SortedMap<String, Histogram> getHistograms(MetricFilter filter) {
        return renamed(registry.getHistograms(filter));
    }

    @Override
    public SortedMap<String, Meter> getMeters(MetricFilter filter) {
        return renamed(registry.getMeters(filter));
    }

    @Override
    public SortedMap<String, Timer> getTimers(MetricFilter filter) {
        return renamed(registry.getTimers(filter));
    }

    private <M> SortedMap<String, M> renamed(SortedMap<String, M> metrics) {
        Map<String, String> renames = renames();
        SortedMap<String, M> renamed = new TreeMap<>();
        metrics.forEach((name, metric) -> renamed.put(renames.getOrDefault(name, name), metric));
        return renamed;
    }

    /** Over every metric of the registry, whatever its kind: a Prometheus name is one per scrape. */
    static Map<String, String> renames(Iterable<String> names) {
        Map<String, List<String>> bySanitized = new LinkedHashMap<>();
        for (String name : names) {
            bySanitized.computeIfAbsent(PrometheusNaming.sanitizeMetricName(name), n -> new ArrayList<>()).add(name);
        }
        Set<String> taken = new HashSet<>(bySanitized.keySet());
        Map<String, String> renames = new HashMap<>();
        for (List<String> clash : bySanitized.values()) {
            if (clash.size() < 2) {
                continue;
            }
            List<String> stripped = clash.stream().filter(PrometheusNames::lostASuffix).toList();
            for (String name : stripped.isEmpty() ? clash.subList(1, clash.size()) : stripped) {
                String candidate = name.endsWith(TOTAL)
                        ? name.substring(0, name.length() - TOTAL.length()) + ".with_filters" : name + "_value";
                while (!taken.add(PrometheusNaming.sanitizeMetricName(candidate))) {
                    candidate += "_";
                }
                renames.put(name, candidate);
            }
        }
        return renames;
    }

    private Map<String, String> renames() {
        return renames(registry.getNames());
    }

    /** Sanitizing replaces characters one for one; it is shorter only when it dropped a reserved suffix. */
    private static boolean lostASuffix(String name) {
        return PrometheusNaming.sanitizeMetricName(name).length() < name.length();
    }
}
