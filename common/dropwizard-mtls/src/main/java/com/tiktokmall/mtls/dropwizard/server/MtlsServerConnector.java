package com.tiktokmall.mtls.dropwizard.server;

import com.codahale.metrics.Meter;
import org.eclipse.jetty.io.ByteBufferPool;
import org.eclipse.jetty.server.ConnectionFactory;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.thread.Scheduler;

import java.nio.channels.ClosedByInterruptException;
import java.util.concurrent.Executor;

/**
 * Jetty's connector, with accept failures ("Too many open files") counted
 * ({@code connections.accept-failures}) and summarized in one line a minute instead of a stack
 * trace each. Like Jetty, it waits a second after a failure rather than spin.
 */
final class MtlsServerConnector extends ServerConnector {
    private static final long BACKOFF_MILLIS = 1000;

    private volatile Meter failures;
    private volatile SummarizedLog log;

    MtlsServerConnector(Server server, Executor executor, Scheduler scheduler, ByteBufferPool bufferPool,
                        int acceptors, int selectors, ConnectionFactory... factories) {
        super(server, executor, scheduler, bufferPool, acceptors, selectors, factories);
    }

    void reportAcceptFailures(Meter failures, SummarizedLog log) {
        this.failures = failures;
        this.log = log;
    }

    @Override
    protected boolean handleAcceptFailure(Throwable failure) {
        if (!isRunning() || !isOpen() || log == null || failure instanceof InterruptedException
                || failure instanceof ClosedByInterruptException) {
            return super.handleAcceptFailure(failure);
        }
        failures.mark();
        log.warn(getName() + " accept", "cannot accept a connection on " + getName() + " port " + getLocalPort() + ": " + failure);
        try {
            Thread.sleep(BACKOFF_MILLIS);
            return true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }
}
