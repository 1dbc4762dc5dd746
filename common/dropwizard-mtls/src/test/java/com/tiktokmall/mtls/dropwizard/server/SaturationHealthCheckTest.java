package com.tiktokmall.mtls.dropwizard.server;

import com.codahale.metrics.health.HealthCheck.Result;
import com.tiktokmall.mtls.testing.MutableClock;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** The grace of the connections check: a saturation must last before readiness fails, and ends with it. */
class SaturationHealthCheckTest {
    private static final Duration GRACE = Duration.ofSeconds(10);

    private final MutableClock clock = MutableClock.startingNow();
    private final List<String> saturated = new ArrayList<>();
    private final SaturationHealthCheck check = new SaturationHealthCheck(() -> List.copyOf(saturated), GRACE, clock);

    @Test
    void aSaturationShorterThanTheGraceLeavesTheReplicaReady() {
        saturated.add("application: 1000 of limits.max_connections 1000 open");

        Result first = check.execute();
        clock.advance(GRACE.minusMillis(1));
        Result last = check.execute();

        assertThat(first.isHealthy()).isTrue();
        assertThat(last.isHealthy()).isTrue();
        assertThat(last.getMessage()).contains("1000 of limits.max_connections", "within probes.saturation_grace");
    }

    @Test
    void aSaturationLastingTheGraceFailsTheCheckUntilItEnds() {
        saturated.add("application: 1000 of limits.max_connections 1000 open");
        check.execute();
        clock.advance(GRACE);

        Result during = check.execute();
        saturated.clear();
        Result after = check.execute();

        assertThat(during.isHealthy()).isFalse();
        assertThat(during.getMessage()).isEqualTo("application: 1000 of limits.max_connections 1000 open (for 10s)");
        assertThat(after.isHealthy()).isTrue();
    }

    @Test
    void aFreshSaturationStartsTheGraceAgain() {
        saturated.add("application: threads nearly all busy");
        check.execute();
        clock.advance(GRACE.minusSeconds(1));
        saturated.clear();
        check.execute();
        saturated.add("application: threads nearly all busy");

        clock.advance(Duration.ofSeconds(2));
        Result again = check.execute();

        assertThat(again.isHealthy()).as("the earlier saturation ended; this one has lasted 0 s").isTrue();
    }

    @Test
    void withoutAGraceTheFirstSaturatedCheckFails() {
        SaturationHealthCheck immediate = new SaturationHealthCheck(() -> List.copyOf(saturated), Duration.ZERO, clock);
        saturated.add("application: threads nearly all busy");

        assertThat(immediate.execute().isHealthy()).isFalse();
    }
}
