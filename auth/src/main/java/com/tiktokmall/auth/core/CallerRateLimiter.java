package com.tiktokmall.auth.core;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A token bucket per caller: a caller may make {@code burst} requests at once, and then
 * {@code perSecond} a second. Time is the given clock's, so tests move it instead of waiting.
 * At most {@code maxCallers} buckets are kept; past that the one idle longest is dropped (its
 * caller starts again with a full bucket). Callers are authenticated identities, so the map only
 * fills if that many identities hold a role that reaches the limiter.
 */
public final class CallerRateLimiter {
    public static final int MAX_CALLERS = 10_000;

    private final int perSecond;
    private final int burst;
    private final Clock clock;
    private final Map<String, Bucket> buckets;

    public CallerRateLimiter(int perSecond, int burst, Clock clock) {
        this(perSecond, burst, clock, MAX_CALLERS);
    }

    CallerRateLimiter(int perSecond, int burst, Clock clock, int maxCallers) {
        if (perSecond < 1 || burst < 1 || maxCallers < 1) {
            throw new IllegalArgumentException("per second, burst and callers must be at least 1");
        }
        this.perSecond = perSecond;
        this.burst = burst;
        this.clock = clock;
        // access order: the eldest entry is the caller seen least recently
        this.buckets = new LinkedHashMap<>(16, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<String, Bucket> eldest) {
                return size() > maxCallers;
            }
        };
    }

    /**
     * Takes one request from {@code caller}'s bucket.
     *
     * @return {@link Duration#ZERO} when the request may go ahead, else how long until it would
     */
    public synchronized Duration acquire(String caller) {
        Instant now = clock.instant();
        Bucket bucket = buckets.computeIfAbsent(caller, c -> new Bucket(burst, now));
        bucket.refill(now, perSecond, burst);
        if (bucket.tokens >= 1) {
            bucket.tokens -= 1;
            return Duration.ZERO;
        }
        return Duration.ofNanos((long) Math.ceil((1 - bucket.tokens) * 1e9 / perSecond));
    }

    public int perSecond() {
        return perSecond;
    }

    public int burst() {
        return burst;
    }

    synchronized int callers() {
        return buckets.size();
    }

    private static final class Bucket {
        private double tokens;
        private Instant updated;

        Bucket(double tokens, Instant updated) {
            this.tokens = tokens;
            this.updated = updated;
        }

        void refill(Instant now, int perSecond, int burst) {
            if (now.isAfter(updated)) { // a clock that steps back adds nothing
                Duration elapsed = Duration.between(updated, now);
                double seconds = elapsed.getSeconds() + elapsed.getNano() / 1e9;
                tokens = Math.min(burst, tokens + seconds * perSecond);
                updated = now;
            }
        }
    }
}
