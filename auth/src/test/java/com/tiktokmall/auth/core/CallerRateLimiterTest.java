package com.tiktokmall.auth.core;

import com.tiktokmall.mtls.testing.MutableClock;
import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

/** The token buckets themselves: refill by the clock, the wait told, and a bounded map. */
class CallerRateLimiterTest {
    private final MutableClock clock = MutableClock.startingNow();

    @Test
    void aBurstThenTheRateAndTheWaitUntilTheNextRequest() {
        CallerRateLimiter limiter = new CallerRateLimiter(4, 2, clock);

        assertThat(limiter.acquire("a")).isZero();
        assertThat(limiter.acquire("a")).isZero();
        assertThat(limiter.acquire("a")).isEqualTo(Duration.ofMillis(250));
        clock.advance(Duration.ofMillis(100));
        assertThat(limiter.acquire("a")).isEqualTo(Duration.ofMillis(150));
        clock.advance(Duration.ofMillis(150));
        assertThat(limiter.acquire("a")).isZero();
        clock.advance(Duration.ofHours(1)); // refills up to the burst, no further
        assertThat(limiter.acquire("a")).isZero();
        assertThat(limiter.acquire("a")).isZero();
        assertThat(limiter.acquire("a")).isPositive();
    }

    @Test
    void aClockThatStepsBackAddsNothing() {
        CallerRateLimiter limiter = new CallerRateLimiter(1, 1, clock);
        assertThat(limiter.acquire("a")).isZero();

        clock.advance(Duration.ofSeconds(-30));

        assertThat(limiter.acquire("a")).isPositive();
    }

    @Test
    void theMapIsBoundedAndDropsTheCallerIdleLongest() {
        CallerRateLimiter limiter = new CallerRateLimiter(1, 1, clock, 3);
        limiter.acquire("a");
        limiter.acquire("b");
        limiter.acquire("c");
        assertThat(limiter.acquire("a")).as("a's bucket is empty and kept").isPositive();

        limiter.acquire("d"); // b was seen least recently

        assertThat(limiter.callers()).isEqualTo(3);
        assertThat(limiter.acquire("a")).as("a is still limited").isPositive();
        assertThat(limiter.acquire("b")).as("b starts again").isZero();
        assertThat(limiter.callers()).isEqualTo(3);
    }
}
