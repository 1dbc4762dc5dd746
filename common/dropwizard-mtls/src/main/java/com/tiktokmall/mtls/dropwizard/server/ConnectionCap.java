package com.tiktokmall.mtls.dropwizard.server;

import com.codahale.metrics.Meter;
import org.eclipse.jetty.io.SelectorManager;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.IO;

import java.nio.channels.SelectableChannel;
import java.util.concurrent.Executor;

/**
 * At most {@code limits.max_connections} open connections on one connector: at the limit the
 * connector stops accepting, so further clients wait in the kernel's backlog (and time out there)
 * instead of costing a file descriptor each, and it accepts again once one closes. Reaching the
 * limit is counted ({@code connections.limit-reached}) and logged at most once a minute, without a
 * stack trace. Like Jetty's {@code NetworkConnectionLimit}, whose log line is not summarized.
 */
final class ConnectionCap implements SelectorManager.AcceptListener {
    private final ServerConnector connector;
    private final int max;
    private final Meter reached;
    private final SummarizedLog log;
    private int pending;
    private int open;
    private boolean limiting;

    ConnectionCap(ServerConnector connector, int max, Meter reached, SummarizedLog log) {
        this.connector = connector;
        this.max = max;
        this.reached = reached;
        this.log = log;
    }

    @Override
    public void onAccepting(SelectableChannel channel) {
        boolean over;
        synchronized (this) {
            pending++;
            over = check();
        }
        if (over) {
            IO.close(channel);
        }
    }

    @Override
    public void onAcceptFailed(SelectableChannel channel, Throwable cause) {
        synchronized (this) {
            pending--;
            check();
        }
    }

    @Override
    public void onAccepted(SelectableChannel channel) {
        synchronized (this) {
            pending--;
            open++;
        }
    }

    @Override
    public void onClosed(SelectableChannel channel) {
        synchronized (this) {
            open--;
            check();
        }
    }

    synchronized boolean limiting() {
        return limiting;
    }

    /** What an operator reads when the limit is reached. */
    String describe() {
        return "all " + max + " connections of " + where() + " are open (limits.max_connections): new ones wait";
    }

    String where() {
        return connector.getName() + " port " + connector.getLocalPort();
    }

    Executor executor() {
        return connector.getExecutor();
    }

    /** True when this connection goes past the limit (accepted before the connector stopped accepting). */
    private boolean check() {
        int total = pending + open;
        if (total >= max && !limiting) {
            limiting = true;
            connector.setAccepting(false);
            reached.mark();
            log.warn(connector.getName() + " limit", "connection limit " + max + " reached on " + connector.getName() + " port "
                    + connector.getLocalPort() + " (limits.max_connections): new connections wait until one closes");
        } else if (total < max && limiting) {
            limiting = false;
            connector.setAccepting(true);
        }
        return total > max;
    }
}
