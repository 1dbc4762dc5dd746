package com.tiktokmall.mtls.dropwizard.health;

import com.codahale.metrics.Counter;
import com.codahale.metrics.Gauge;
import com.codahale.metrics.Histogram;
import com.codahale.metrics.Meter;
import com.codahale.metrics.MetricFilter;
import com.codahale.metrics.MetricRegistry;
import com.codahale.metrics.Timer;

import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * The service's metrics under names Prometheus can tell apart. Prometheus drops a {@code _total}
 * suffix from the names it is given, so Jersey's {@code <resource method>.total} timer (the whole
 * request, filters included) would collide with the method's own timer and fail every scrape
 * ("duplicate metric name"); beside such a timer it is exported as
 * {@code <resource method>.with_filters}. Only the
 * Prometheus view is renamed: {@code /metrics} keeps Dropwizard's names.
 */
final class PrometheusNames extends MetricRegistry {
    private static final String TOTAL = ".total";
    private static final String RENAMED = ".with_filters";

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

    /** Each {@code x.total} beside a metric {@code x} becomes {@code x.with_filters}; the rest keep their names. */
    private <M> SortedMap<String, M> renamed(SortedMap<String, M> metrics) {
        SortedMap<String, M> renamed = new TreeMap<>();
        for (Map.Entry<String, M> metric : metrics.entrySet()) {
            String name = metric.getKey();
            String base = name.endsWith(TOTAL) ? name.substring(0, name.length() - TOTAL.length()) : null;
            boolean collides = base != null && registry.getNames().contains(base);
            renamed.put(collides ? base + RENAMED : name, metric.getValue());
        }
        return renamed;
    }
}
