package com.tiktokmall.mtls.dropwizard.server;

import org.eclipse.jetty.util.component.AbstractLifeCycle;
import org.eclipse.jetty.util.thread.Scheduler;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Flushes a connector's {@link SummarizedLog}s once per interval while it runs, so no count stays untold. */
final class SummaryFlusher extends AbstractLifeCycle {
    private final Scheduler scheduler;
    private final Duration interval;
    private final List<SummarizedLog> logs;
    private volatile Scheduler.Task next;

    SummaryFlusher(Scheduler scheduler, Duration interval, SummarizedLog... logs) {
        this.scheduler = scheduler;
        this.interval = interval;
        this.logs = List.of(logs);
    }

    @Override
    protected void doStart() {
        schedule();
    }

    @Override
    protected void doStop() {
        Scheduler.Task task = next;
        if (task != null) {
            task.cancel();
        }
    }

    private void schedule() {
        next = scheduler.schedule(() -> {
            if (isRunning()) {
                logs.forEach(SummarizedLog::flush);
                schedule();
            }
        }, interval.toMillis(), TimeUnit.MILLISECONDS);
    }
}
