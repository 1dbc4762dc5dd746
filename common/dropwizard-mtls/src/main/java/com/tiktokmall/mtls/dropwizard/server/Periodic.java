package com.tiktokmall.mtls.dropwizard.server;

import org.eclipse.jetty.util.component.AbstractLifeCycle;
import org.eclipse.jetty.util.thread.Scheduler;

import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * A task run once per interval while the connector it is a bean of runs: flushing the summarized
 * logs, so no count stays untold, and looking for slow requests.
 */
final class Periodic extends AbstractLifeCycle {
    private final Scheduler scheduler;
    private final Duration interval;
    private final Runnable task;
    private volatile Scheduler.Task next;

    Periodic(Scheduler scheduler, Duration interval, Runnable task) {
        this.scheduler = scheduler;
        this.interval = interval;
        this.task = task;
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
                try {
                    task.run();
                } finally {
                    schedule();
                }
            }
        }, interval.toMillis(), TimeUnit.MILLISECONDS);
    }
}
