package com.tiktokmall.mtls.dropwizard.server;

import org.slf4j.Logger;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * WARN lines that one source (a peer address, a port) could repeat without end, summarized: the
 * first is logged, the ones after it within an interval are only counted, and the count is logged
 * with the next line once the interval has passed (or by {@link #flush()}). A flood of refused
 * handshakes from one address costs one line a minute, not one per attempt. The number of
 * sources remembered is bounded; beyond it they share one entry.
 */
final class SummarizedLog {
    static final String OTHER_SOURCES = "other sources";

    private final Logger log;
    private final Duration interval;
    private final Clock clock;
    private final int maxSources;
    private final Map<String, Entry> sources = new LinkedHashMap<>();

    SummarizedLog(Logger log, Duration interval, Clock clock, int maxSources) {
        this.log = log;
        this.interval = interval;
        this.clock = clock;
        this.maxSources = maxSources;
    }

    /** Logs {@code message} now, or counts it if a line from {@code source} was logged within the interval. */
    void warn(String source, String message) {
        String line;
        synchronized (this) {
            Instant now = clock.instant();
            String key = sources.containsKey(source) || sources.size() < maxSources ? source : OTHER_SOURCES;
            Entry entry = sources.get(key);
            if (entry == null) {
                sources.put(key, new Entry(now));
                line = message;
            } else if (now.isBefore(entry.since.plus(interval))) {
                entry.held++;
                entry.last = message;
                return;
            } else {
                line = message + heldBack(key, entry);
                entry.restart(now);
            }
        }
        log.warn(line);
    }

    /** Logs the count held back for every source whose interval has passed, and forgets quiet ones. */
    void flush() {
        List<String> lines = new ArrayList<>();
        synchronized (this) {
            Instant now = clock.instant();
            for (Iterator<Map.Entry<String, Entry>> it = sources.entrySet().iterator(); it.hasNext(); ) {
                Map.Entry<String, Entry> source = it.next();
                Entry entry = source.getValue();
                if (now.isBefore(entry.since.plus(interval))) {
                    continue;
                }
                if (entry.held == 0) {
                    it.remove();
                } else {
                    lines.add(entry.held + " more like this from " + source.getKey() + " since " + entry.since
                            + ", the last: " + entry.last);
                    entry.restart(now);
                }
            }
        }
        lines.forEach(log::warn);
    }

    private static String heldBack(String source, Entry entry) {
        return entry.held == 0 ? "" : " (and " + entry.held + " more from " + source + " since " + entry.since + ")";
    }

    private static final class Entry {
        private Instant since;
        private long held;
        private String last;

        Entry(Instant since) {
            this.since = since;
        }

        void restart(Instant now) {
            since = now;
            held = 0;
            last = null;
        }
    }
}
