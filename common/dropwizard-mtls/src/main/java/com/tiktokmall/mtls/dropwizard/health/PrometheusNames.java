package com.tiktokmall.mtls.dropwizard.health;

import com.codahale.metrics.Counter;
import com.codahale.metrics.Gauge;
import com.codahale.metrics.Histogram;
import com.codahale.metrics.Meter;
import com.codahale.metrics.Metric;
import com.codahale.metrics.MetricFilter;
import com.codahale.metrics.MetricRegistry;
import com.codahale.metrics.Timer;

import java.util.HashSet;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * The service's Dropwizard metrics as Prometheus names them, for the Prometheus client's
 * {@code DropwizardExports}. That bridge exports a timer as a summary whose quantiles are in
 * seconds, a meter and a counter as a counter (the text adds {@code _total}), a histogram as a
 * summary and a gauge as a gauge, each under the name it is given, stripped of any suffix
 * Prometheus reserves. This view gives it names by Prometheus's conventions:
 * <ul>
 * <li>snake_case: {@code .}, {@code -} and camelCase become {@code _}
 *     ({@code OrderResource.markPaid} is {@code order_resource_mark_paid});
 * <li>a timer ends in {@code _seconds}; Jersey's {@code <method>.total} timer (the request with its
 *     filters) is {@code <method>_with_filters_seconds};
 * <li>a meter or counter ends in {@code _total}, except a Dropwizard counter that also goes down
 *     (threads {@code running}, requests {@code active-*}), which is a gauge;
 * <li>the JVM's gauges say their unit: {@code _bytes}, and milliseconds become {@code _seconds};
 * <li>a name that would end in a suffix Prometheus reserves or gives summaries ({@code total},
 *     {@code created}, {@code bucket}, {@code info}, {@code count}, {@code sum}) keeps it and gets
 *     {@code _events} (counters) or {@code _value} (the rest): {@code pool.created} is
 *     {@code pool_created_events_total}, {@code jvm.threads.count} is {@code jvm_threads_count_value};
 * <li>Jetty's {@code percent-4xx-1m} and the like are left out: fractions named percent, of
 *     moving averages, which Prometheus computes from the {@code _total} counters instead.
 * </ul>
 * Two metrics that would still share a name (a scrape with a duplicate fails as a whole) are told
 * apart by a number. Only this view is renamed: {@code /metrics} keeps Dropwizard's names.
 */
final class PrometheusNames extends MetricRegistry {
    private static final Set<String> RESERVED = Set.of("total", "created", "bucket", "info", "count", "sum");
    private static final Set<String> RESERVED_FOR_COUNTERS = Set.of("created", "bucket", "info");
    private static final Pattern GOES_DOWN = Pattern.compile(".*\\.(running|active-[a-z]+)");
    private static final Pattern PERCENT = Pattern.compile(".*\\.percent-[^.]*");
    private static final Pattern MILLISECONDS = Pattern.compile("jvm\\.attribute\\.uptime|jvm\\.gc\\..*\\.time");
    private static final Pattern BYTES = Pattern.compile(
            "jvm\\.memory\\..*\\.(init|used|max|committed|used-after-gc)|jvm\\.buffers\\..*\\.(capacity|used)");
    private static final String JERSEY_TOTAL = ".total";

    private final MetricRegistry registry;

    PrometheusNames(MetricRegistry registry) {
        this.registry = registry;
    }

    @Override
    @SuppressWarnings("rawtypes")
    public SortedMap<String, Gauge> getGauges(MetricFilter filter) {
        return exported(Gauge.class, filter);
    }

    @Override
    public SortedMap<String, Counter> getCounters(MetricFilter filter) {
        return exported(Counter.class, filter);
    }

    @Override
    public SortedMap<String, Histogram> getHistograms(MetricFilter filter) {
        return exported(Histogram.class, filter);
    }

    @Override
    public SortedMap<String, Meter> getMeters(MetricFilter filter) {
        return exported(Meter.class, filter);
    }

    @Override
    public SortedMap<String, Timer> getTimers(MetricFilter filter) {
        return exported(Timer.class, filter);
    }

    private <M extends Metric> SortedMap<String, M> exported(Class<M> kind, MetricFilter filter) {
        SortedMap<String, M> exported = new TreeMap<>();
        exported(registry.getMetrics()).forEach((name, metric) -> {
            if (kind.isInstance(metric) && filter.matches(name, metric)) {
                exported.put(name, kind.cast(metric));
            }
        });
        return exported;
    }

    /**
     * Every metric Prometheus is shown, by its Prometheus name: over all kinds at once, as a name
     * is one per scrape whatever its kind.
     */
    static SortedMap<String, Metric> exported(Map<String, Metric> metrics) {
        Set<String> taken = new HashSet<>();
        SortedMap<String, Metric> exported = new TreeMap<>();
        new TreeMap<>(metrics).forEach((name, metric) -> {
            Metric shown = shown(name, metric);
            if (shown == null) {
                return;
            }
            Name prometheus = name(name, shown, metrics);
            String unique = prometheus.toString();
            for (int n = 2; !taken.add(unique); n++) {
                unique = prometheus.numbered(n);
            }
            exported.put(unique, shown);
        });
        return exported;
    }

    /** The metric as Prometheus is shown it, or null to leave it out. */
    private static Metric shown(String name, Metric metric) {
        if (metric instanceof Counter counter && GOES_DOWN.matcher(name).matches()) {
            return new UpDownCounter(counter);
        }
        if (metric instanceof Gauge<?> gauge) {
            if (PERCENT.matcher(name).matches()) {
                return null;
            }
            if (MILLISECONDS.matcher(name).matches()) {
                return new InSeconds(gauge);
            }
        }
        return metric;
    }

    private static Name name(String name, Metric shown, Map<String, Metric> metrics) {
        if (shown instanceof Timer) {
            String method = name.endsWith(JERSEY_TOTAL) ? name.substring(0, name.length() - JERSEY_TOTAL.length()) : null;
            boolean jerseyTotal = method != null && metrics.get(method) instanceof Timer;
            return new Name(snakeCase(jerseyTotal ? method + ".with_filters" : name), "_seconds");
        }
        if (shown instanceof Meter || shown instanceof Counter) {
            String stem = snakeCase(name).replaceFirst("(_total)+$", "");
            return new Name(endsWithOneOf(stem, RESERVED_FOR_COUNTERS) ? stem + "_events" : stem, "");
        }
        String unit = shown instanceof InSeconds ? "_seconds" : BYTES.matcher(name).matches() ? "_bytes" : "";
        String stem = snakeCase(name);
        return new Name(unit.isEmpty() && endsWithOneOf(stem, RESERVED) ? stem + "_value" : stem, unit);
    }

    /** {@code io.dropwizard.jetty.MutableServletContextHandler.2xx-responses}: {@code io_dropwizard_jetty_mutable_servlet_context_handler_2xx_responses}. */
    static String snakeCase(String name) {
        String words = name.replaceAll("([a-z0-9])([A-Z])", "$1_$2").replaceAll("([A-Z]+)([A-Z][a-z])", "$1_$2");
        String snake = words.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9]+", "_").replaceAll("^_+|_+$", "");
        return snake.isEmpty() || Character.isDigit(snake.charAt(0)) ? "_" + snake : snake;
    }

    private static boolean endsWithOneOf(String name, Set<String> words) {
        return words.contains(name.substring(name.lastIndexOf('_') + 1));
    }

    /** A name in two parts, so that a number telling two apart goes before the unit. */
    private record Name(String stem, String unit) {
        String numbered(int n) {
            return stem + "_" + n + unit;
        }

        @Override
        public String toString() {
            return stem + unit;
        }
    }

    /** A Dropwizard counter that goes down as well as up: a gauge to Prometheus, whose counters only grow. */
    private record UpDownCounter(Counter counter) implements Gauge<Long> {
        @Override
        public Long getValue() {
            return counter.getCount();
        }
    }

    /** A gauge in milliseconds, in seconds. */
    private record InSeconds(Gauge<?> milliseconds) implements Gauge<Object> {
        @Override
        public Object getValue() {
            Object value = milliseconds.getValue();
            return value instanceof Number number ? number.doubleValue() / 1000 : value;
        }
    }
}
