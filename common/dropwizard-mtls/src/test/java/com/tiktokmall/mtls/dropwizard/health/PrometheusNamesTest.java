package com.tiktokmall.mtls.dropwizard.health;

import io.prometheus.metrics.model.snapshots.PrometheusNaming;
import org.junit.jupiter.api.Test;

import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/** No two metrics share a Prometheus name, whatever suffix Prometheus strips. */
class PrometheusNamesTest {
    @Test
    void jerseysTotalTimerBesideTheMethodsTimerBecomesWithFilters() {
        assertThat(PrometheusNames.renames(List.of("r.issue", "r.issue.total", "r.issue.request.filtering")))
                .isEqualTo(Map.of("r.issue.total", "r.issue.with_filters"));
    }

    @Test
    void everyReservedSuffixAndAnExistingWithFiltersEndDistinct() {
        List<String> names = List.of("a", "a.total", "a.with_filters", "b", "b.created", "c", "c_total", "d",
                "d.bucket", "e", "e.info", "f.total");
        Map<String, String> renames = PrometheusNames.renames(names);

        Set<String> exported = new HashSet<>();
        for (String name : names) {
            assertThat(exported.add(PrometheusNaming.sanitizeMetricName(renames.getOrDefault(name, name))))
                    .as("%s -> %s", name, renames.getOrDefault(name, name)).isTrue();
        }
        assertThat(renames).doesNotContainKey("f.total").doesNotContainKeys("a", "b", "c", "d", "e");
    }
}
