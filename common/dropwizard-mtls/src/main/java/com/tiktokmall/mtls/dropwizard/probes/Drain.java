package com.tiktokmall.mtls.dropwizard.probes;

import jakarta.servlet.Filter;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.http.HttpServletResponse;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpHeaderValue;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.util.component.LifeCycle;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.time.Duration;
import java.util.Objects;

/**
 * The first part of a graceful stop, before Jetty's own: when the server begins to stop (SIGTERM,
 * after Kubernetes' {@code preStop}), {@code /readyz} answers 503 at once and every answer on the
 * application and admin ports closes its connection ({@code Connection: close}); the server keeps
 * serving like that for {@code probes.drain_delay}. Only then do the connectors stop accepting,
 * and the requests still in flight get {@code server.shutdownGracePeriod} to finish.
 *
 * <p>So nothing is refused while it matters: whoever routes by readiness (an endpoints controller,
 * a load balancer, a client-side balancer) has the delay to stop sending new calls here, and a
 * caller's pooled connection is closed after an answer, where the caller expects it, instead of
 * under a request it is about to send.
 */
public final class Drain implements LifeCycle.Listener {
    private static final Logger LOG = LoggerFactory.getLogger(Drain.class);

    private final Duration delay;
    private volatile boolean draining;

    /** @param delay {@code probes.drain_delay}: how long to serve on after readiness turned 503 */
    public Drain(Duration delay) {
        this.delay = Objects.requireNonNull(delay, "delay");
    }

    /** True from the moment the server began to stop. */
    public boolean draining() {
        return draining;
    }

    /**
     * Jetty calls this in the stopping thread before it stops anything; the stop goes on when this
     * returns, so the connectors keep accepting for the whole delay.
     */
    @Override
    public void lifeCycleStopping(LifeCycle event) {
        if (!(event instanceof Server) || draining) {
            return;
        }
        draining = true;
        if (delay.isZero()) {
            return;
        }
        LOG.info("stopping: /readyz answers 503 and every connection closes after its answer; serving on for {} "
                + "(probes.drain_delay) before the connectors stop", delay);
        try {
            Thread.sleep(delay.toMillis());
        } catch (InterruptedException interrupted) {
            Thread.currentThread().interrupt(); // stop now, as asked
        }
    }

    /** A filter for the application and admin contexts: while draining, each answer closes its connection. */
    public Filter closingConnections() {
        return new Filter() {
            @Override
            public void doFilter(ServletRequest request, ServletResponse response, FilterChain chain)
                    throws IOException, ServletException {
                if (draining && response instanceof HttpServletResponse http) {
                    http.setHeader(HttpHeader.CONNECTION.asString(), HttpHeaderValue.CLOSE.asString());
                }
                chain.doFilter(request, response);
            }
        };
    }
}
