package com.tiktokmall.mtls.dropwizard.health;

import com.codahale.metrics.Counter;
import com.codahale.metrics.Gauge;
import com.codahale.metrics.Histogram;
import com.codahale.metrics.Meter;
import com.codahale.metrics.Metric;
import com.codahale.metrics.MetricRegistry;
import com.codahale.metrics.Timer;
import io.prometheus.metrics.model.snapshots.PrometheusNaming;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;

import static org.assertj.core.api.Assertions.assertThat;

/** The names Prometheus is given: its conventions, and never two alike whatever suffix it strips. */
class PrometheusNamesTest {
    @Test
    void timersEndInSecondsAndJerseysTotalTimerIsWithFilters() {
        assertThat(names(Map.of("r.TokenResource.issue", new Timer(), "r.TokenResource.issue.total", new Timer(),
                "r.TokenResource.issue.request.filtering", new Timer(), "lonely.total", new Timer())))
                .containsExactlyInAnyOrder("r_token_resource_issue_seconds", "r_token_resource_issue_with_filters_seconds",
                        "r_token_resource_issue_request_filtering_seconds", "lonely_total_seconds");
    }

    @Test
    void countersKeepTheirNameForTheTotalSuffixPrometheusAdds() {
        assertThat(names(Map.of("tls.handshakes.succeeded", new Meter(), "tls.reloads.failed", new Counter(),
                "x.requests_total", new Meter())))
                .containsExactlyInAnyOrder("tls_handshakes_succeeded", "tls_reloads_failed", "x_requests");
    }

    @Test
    void aCounterThatGoesDownIsAGauge() {
        Counter running = new Counter();
        running.inc(3);
        running.dec();

        SortedMap<String, Metric> exported = PrometheusNames.exported(Map.of("pool.running", running,
                "io.dropwizard.jetty.MutableServletContextHandler.active-requests", new Counter()));

        assertThat(exported).containsOnlyKeys("pool_running", "io_dropwizard_jetty_mutable_servlet_context_handler_active_requests");
        assertThat(exported.values()).allSatisfy(metric -> assertThat(metric).isInstanceOf(Gauge.class).isNotInstanceOf(Counter.class));
        assertThat(((Gauge<?>) exported.get("pool_running")).getValue()).isEqualTo(2L);
    }

    @Test
    void aNameEndingInAReservedSuffixKeepsItAndGetsAWordMore() {
        assertThat(names(Map.of("pool.created", new Meter(), "ch.qos.logback.core.Appender.info", new Meter(),
                "db.order-db.created", (Gauge<Integer>) () -> 1, "jvm.threads.count", (Gauge<Integer>) () -> 1,
                "sizes.sum", new Histogram(new com.codahale.metrics.UniformReservoir()))))
                .containsExactlyInAnyOrder("pool_created_events", "ch_qos_logback_core_appender_info_events", "db_order_db_created_value",
                        "jvm_threads_count_value", "sizes_sum_value");
    }

    @Test
    void theJvmsGaugesSayTheirUnitInSeconds() {
        SortedMap<String, Metric> exported = PrometheusNames.exported(Map.of("jvm.attribute.uptime", (Gauge<Long>) () -> 1500L,
                "jvm.gc.G1-Young-Generation.time", (Gauge<Long>) () -> 20L, "jvm.memory.heap.used", (Gauge<Long>) () -> 1024L,
                "jvm.memory.pools.G1-Eden-Space.used-after-gc", (Gauge<Long>) () -> 0L,
                "jvm.buffers.direct.capacity", (Gauge<Long>) () -> 8L, "jvm.memory.heap.usage", (Gauge<Double>) () -> 0.5));

        assertThat(exported).containsOnlyKeys("jvm_attribute_uptime_seconds", "jvm_gc_g1_young_generation_time_seconds",
                "jvm_memory_heap_used_bytes", "jvm_memory_pools_g1_eden_space_used_after_gc_bytes",
                "jvm_buffers_direct_capacity_bytes", "jvm_memory_heap_usage");
        assertThat(((Gauge<?>) exported.get("jvm_attribute_uptime_seconds")).getValue()).isEqualTo(1.5);
        assertThat(((Gauge<?>) exported.get("jvm_memory_heap_used_bytes")).getValue()).isEqualTo(1024L);
    }

    @Test
    void ratiosNamedPercentAreLeftOut() {
        assertThat(names(Map.of("io.dropwizard.jetty.MutableServletContextHandler.percent-4xx-1m", (Gauge<Double>) () -> 0.1,
                "io.dropwizard.jetty.MutableServletContextHandler.2xx-responses", new Meter())))
                .containsExactlyInAnyOrder("io_dropwizard_jetty_mutable_servlet_context_handler_2xx_responses");
    }

    @Test
    void camelCaseAndAcronymsBecomeSnakeCase() {
        assertThat(PrometheusNames.snakeCase("org.apache.hc.client5.http.classic.HttpClient.auth.post-requests"))
                .isEqualTo("org_apache_hc_client5_http_classic_http_client_auth_post_requests");
        assertThat(PrometheusNames.snakeCase("TimeBoundHealthCheck-pool.releasedIdle")).isEqualTo("time_bound_health_check_pool_released_idle");
        assertThat(PrometheusNames.snakeCase("HTTPServer.p99")).isEqualTo("http_server_p99");
        assertThat(PrometheusNames.snakeCase("1xx-responses")).isEqualTo("_1xx_responses");
    }

    @Test
    void namesThatWouldStillMeetAreToldApartBeforeTheirUnit() {
        Map<String, Metric> metrics = new TreeMap<>(Map.of("a.b", new Timer(), "a-b", new Timer(), "aB", new Timer(),
                "c.total", new Meter(), "c", new Counter(), "d", new Meter(), "d.total", (Gauge<Integer>) () -> 1));

        Set<String> names = PrometheusNames.exported(metrics).keySet();

        assertThat(names).hasSize(metrics.size()).contains("a_b_seconds", "a_b_2_seconds", "a_b_3_seconds");
        assertThat(names.stream().map(PrometheusNaming::sanitizeMetricName).distinct()).hasSize(metrics.size());
    }

    @Test
    void theViewHandsEachKindItsMetricsUnderTheirNewNames() {
        MetricRegistry registry = new MetricRegistry();
        registry.timer("r.issue");
        registry.counter("pool.running");
        registry.meter("tls.handshakes.failed");

        PrometheusNames view = new PrometheusNames(registry);

        assertThat(view.getTimers().keySet()).containsExactly("r_issue_seconds");
        assertThat(view.getCounters()).isEmpty();
        assertThat(view.getGauges().keySet()).containsExactly("pool_running");
        assertThat(view.getMeters().keySet()).containsExactly("tls_handshakes_failed");
        assertThat(List.copyOf(registry.getNames())).contains("r.issue", "pool.running");
    }

    private static Set<String> names(Map<String, Metric> metrics) {
        return PrometheusNames.exported(metrics).keySet();
    }
}
