package com.tiktokmall.mtls.dropwizard.probes;

import com.tiktokmall.mtls.dropwizard.config.ProbesConfiguration;
import com.codahale.metrics.health.HealthCheckRegistry;
import com.codahale.metrics.jvm.ThreadDeadlockDetector;
import com.tiktokmall.mtls.source.TlsSource;
import io.dropwizard.lifecycle.Managed;
import org.eclipse.jetty.http.HttpMethod;
import org.eclipse.jetty.http.HttpStatus;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.NetworkConnectionLimit;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.thread.QueuedThreadPool;

import java.security.cert.X509CRL;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.List;

/**
 * A small Jetty server of its own on the probe port, apart from the application and admin ports:
 * {@code /livez} is 200 unless the process is wedged (deadlocked threads); {@code /readyz} is 200
 * only while the TLS material in use is valid and being watched, and every other health check
 * (the database's among them) passes. Everything else is 404. No body ever says why: the admin
 * port does, to those allowed to ask. At most {@code probes.max_connections} are open at once,
 * each closed after 5 s idle.
 */
public final class ProbeServer implements Managed {
    private static final String TLS_CHECK = "tls";

    private final ProbesConfiguration probes;
    private final HealthCheckRegistry healthChecks;
    private final TlsSource source;
    private final ThreadDeadlockDetector deadlocks = new ThreadDeadlockDetector();
    private Server server;

    /** @param source the TLS material to judge readiness by; {@code null} without TLS */
    public ProbeServer(ProbesConfiguration probes, HealthCheckRegistry healthChecks, TlsSource source) {
        this.probes = probes;
        this.healthChecks = healthChecks;
        this.source = source;
    }

    @Override
    public void start() throws Exception {
        QueuedThreadPool threads = new QueuedThreadPool(8, 2);
        threads.setName("probes");
        server = new Server(threads);
        HttpConfiguration http = new HttpConfiguration();
        http.setSendServerVersion(false); // as Dropwizard's connectors: say nothing of what serves
        ServerConnector connector = new ServerConnector(server, 1, 1, new HttpConnectionFactory(http));
        connector.setHost(probes.getBindHost());
        connector.setPort(probes.getPort());
        connector.setIdleTimeout(5_000);
        server.addConnector(connector);
        // Anyone who reaches the port may connect: bound what idle or slow connections can hold.
        server.addBean(new NetworkConnectionLimit(probes.getMaxConnections(), connector));
        server.setHandler(new Handler.Abstract() {
            @Override
            public boolean handle(Request request, Response response, Callback callback) {
                response.setStatus(status(request));
                response.getHeaders().put("Cache-Control", "no-store");
                callback.succeeded();
                return true;
            }
        });
        server.start();
    }

    @Override
    public void stop() throws Exception {
        if (server != null) {
            server.stop();
        }
    }

    /** The port listened on (the configured one, or the one chosen for port 0 in tests). */
    public int port() {
        return ((ServerConnector) server.getConnectors()[0]).getLocalPort();
    }

    private int status(Request request) {
        String method = request.getMethod();
        if (!HttpMethod.GET.is(method) && !HttpMethod.HEAD.is(method)) {
            return HttpStatus.METHOD_NOT_ALLOWED_405;
        }
        return switch (request.getHttpURI().getPath()) {
            case "/livez" -> live() ? HttpStatus.OK_200 : HttpStatus.SERVICE_UNAVAILABLE_503;
            case "/readyz" -> ready() ? HttpStatus.OK_200 : HttpStatus.SERVICE_UNAVAILABLE_503;
            default -> HttpStatus.NOT_FOUND_404;
        };
    }

    boolean live() {
        return deadlocks.getDeadlockedThreads().isEmpty();
    }

    boolean ready() {
        if (source != null && !tlsReady()) {
            return false;
        }
        return healthChecks.getNames().stream().filter(name -> !TLS_CHECK.equals(name))
                .allMatch(name -> healthChecks.runHealthCheck(name).isHealthy());
    }

    /**
     * The material in use can serve: every certificate valid now, every CRL current, and the
     * files still watched. A failed reload alone does not count: the previous material still
     * serves, and every replica reads the same files.
     */
    private boolean tlsReady() {
        if (source.stalled().isPresent()) {
            return false;
        }
        Instant now = source.options().clock().instant();
        boolean certificatesValid = source.current().certificates().values().stream().flatMap(List::stream)
                .allMatch(certificate -> validAt(certificate, now));
        boolean crlsCurrent = source.current().trust().crls().stream().map(X509CRL::getNextUpdate)
                .allMatch(next -> next == null || now.isBefore(next.toInstant()));
        return certificatesValid && crlsCurrent;
    }

    private static boolean validAt(X509Certificate certificate, Instant now) {
        return !now.isBefore(certificate.getNotBefore().toInstant()) && !now.isAfter(certificate.getNotAfter().toInstant());
    }
}
