package com.tiktokmall.mtls.dropwizard.server;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import com.tiktokmall.mtls.testing.MutableClock;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** One source repeating a WARN gets one line per interval, with a count of the rest. */
class SummarizedLogTest {
    private static final Duration MINUTE = Duration.ofMinutes(1);

    private final MutableClock clock = MutableClock.startingNow();
    private final Logger logger = (Logger) LoggerFactory.getLogger("summarized-log-test");
    private final ListAppender<ILoggingEvent> lines = new ListAppender<>();
    private final SummarizedLog log = new SummarizedLog(logger, MINUTE, clock, 3);

    @BeforeEach
    void listen() {
        lines.start();
        logger.addAppender(lines);
    }

    @AfterEach
    void stopListening() {
        logger.detachAppender(lines);
    }

    @Test
    void theFirstLineOfASourceIsLoggedAndItsRepeatsCountedUntilTheIntervalHasPassed() {
        for (int i = 0; i < 100; i++) {
            log.warn("10.0.0.1", "refused #" + i);
        }
        assertThat(messages()).containsExactly("refused #0");

        clock.advance(MINUTE);
        log.warn("10.0.0.1", "refused #100");

        assertThat(messages()).hasSize(2).last().asString()
                .startsWith("refused #100 (and 99 more from 10.0.0.1 since ");
    }

    @Test
    void sourcesAreSummarizedApart() {
        log.warn("10.0.0.1", "one");
        log.warn("10.0.0.2", "two");
        log.warn("10.0.0.1", "one again");

        assertThat(messages()).containsExactly("one", "two");
    }

    @Test
    void flushTellsTheCountOfAQuietSourceOnceItsIntervalHasPassed() {
        log.warn("10.0.0.1", "refused #0");
        log.warn("10.0.0.1", "refused #1");
        log.warn("10.0.0.1", "refused #2");

        log.flush();
        assertThat(messages()).hasSize(1);
        clock.advance(MINUTE);
        log.flush();
        clock.advance(MINUTE);
        log.flush();

        assertThat(messages()).hasSize(2).last().asString()
                .startsWith("2 more like this from 10.0.0.1 since ").endsWith(", the last: refused #2");
    }

    @Test
    void manySourcesShareOneEntryPastTheBound() {
        for (int i = 0; i < 50; i++) {
            log.warn("10.0.1." + i, "refused from 10.0.1." + i);
        }

        assertThat(messages()).containsExactly("refused from 10.0.1.0", "refused from 10.0.1.1", "refused from 10.0.1.2",
                "refused from 10.0.1.3");
    }

    private List<String> messages() {
        return lines.list.stream().map(ILoggingEvent::getFormattedMessage).toList();
    }
}
