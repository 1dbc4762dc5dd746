package com.tiktokmall.mtls.dropwizard.probes;

import com.codahale.metrics.Gauge;
import com.codahale.metrics.Meter;
import com.codahale.metrics.MetricRegistry;
import com.codahale.metrics.health.HealthCheckRegistry;
import com.codahale.metrics.jvm.ThreadDeadlockDetector;
import com.tiktokmall.mtls.dropwizard.config.ProbesConfiguration;
import com.tiktokmall.mtls.source.TlsSource;
import io.dropwizard.lifecycle.Managed;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpHeaderValue;
import org.eclipse.jetty.http.HttpMethod;
import org.eclipse.jetty.http.HttpStatus;
import org.eclipse.jetty.io.Connection;
import org.eclipse.jetty.io.SelectorManager;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.IO;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.eclipse.jetty.util.thread.Scheduler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.channels.SelectableChannel;
import java.nio.channels.SocketChannel;
import java.security.cert.X509CRL;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BooleanSupplier;

/**
 * A small Jetty server of its own on the probe port, apart from the application and admin ports:
 * {@code /livez} is 200 unless the process is wedged (deadlocked threads); {@code /readyz} is 200
 * only while this replica can serve: the TLS material in use is valid and being watched, the
 * {@code connections} check finds its connectors not saturated, and the service is not stopping
 * ({@link Drain}). Everything else is 404. No body ever says why: the admin port does, to those
 * allowed to ask.
 *
 * <p>Readiness judges the replica, not what every replica shares: the database's health check
 * (and any other but {@code tls} and {@code connections}) stays in {@code /healthcheck} on the
 * admin port and out of {@code /readyz}. A database outage would otherwise take every replica out
 * of the Service at once, turning answers (a 503 from the resource, which a caller can handle and
 * retry) into refused connections, and bring them all back at once when it ends; taking one
 * replica out cannot help when the others reach the same database.
 *
 * <p>Anyone who reaches the port can connect, so it holds under a flood (step 16):
 * <ul>
 * <li>at most {@code probes.max_connections} open at once, and at most
 *   {@code probes.max_connections_per_address} from one remote address; past either a new
 *   connection is closed at once (counted in {@code probes.connections.rejected}), so kubelet,
 *   probing from the node's address, is not shut out by another address, and is refused rather
 *   than left waiting in the backlog;</li>
 * <li>a connection must deliver its complete request header within {@code probes.header_timeout}
 *   of opening, however slowly the bytes trickle in; else it is closed ({@code probes.requests.slow});</li>
 * <li>one request per connection ({@code Connection: close}, as kubelet asks anyway), so no one
 *   keeps a connection by asking again and again;</li>
 * <li>no request holds a thread: liveness and readiness are verdicts computed at most once per
 *   {@code probes.check_interval}; the health checks run on a thread of their own, one run at a
 *   time, and a probe waits for a running one without a thread, at most {@link #CHECKS_WAIT}
 *   (then 503, {@code probes.checks.timed-out}).</li>
 * </ul>
 * What was refused or closed is logged summarized: at most one line a minute.
 */
public final class ProbeServer implements Managed {
    private static final Logger LOG = LoggerFactory.getLogger(ProbeServer.class);
    /** The health checks of this replica's own state that readiness includes, besides its TLS material. */
    static final Set<String> READINESS_CHECKS = Set.of("connections");
    private static final Duration IDLE_TIMEOUT = Duration.ofSeconds(5);
    /** How long a probe waits for a run of the health checks before it is answered 503: below the idle timeout. */
    static final Duration CHECKS_WAIT = Duration.ofSeconds(4);
    private static final Duration SUMMARY_INTERVAL = Duration.ofMinutes(1);

    private final ProbesConfiguration probes;
    private final HealthCheckRegistry healthChecks;
    private final TlsSource source;
    private final Drain drain;
    private final ThreadDeadlockDetector deadlocks = new ThreadDeadlockDetector();
    private final Meter rejected;
    private final Meter slow;
    private final Meter checksTimedOut;
    private final Summary summary = new Summary();
    private final Shares shares = new Shares();
    private final HeaderDeadline deadline = new HeaderDeadline();
    private final Verdict liveness;
    private final Verdict readiness;
    private Server server;
    private ServerConnector connector;
    private volatile ExecutorService checks;
    private volatile int port;
    private volatile Scheduler.Task nextSummary;

    /**
     * @param metrics where {@code probes.connections.rejected}, {@code probes.requests.slow},
     *     {@code probes.checks.timed-out} and {@code probes.connections.open} go
     * @param source the TLS material to judge readiness by; {@code null} without TLS
     * @param drain tells when the service has begun to stop: {@code /readyz} is 503 from then on
     */
    public ProbeServer(ProbesConfiguration probes, HealthCheckRegistry healthChecks, MetricRegistry metrics,
            TlsSource source, Drain drain) {
        this.probes = probes;
        this.healthChecks = healthChecks;
        this.source = source;
        this.drain = drain;
        this.rejected = metrics.meter("probes.connections.rejected");
        this.slow = metrics.meter("probes.requests.slow");
        this.checksTimedOut = metrics.meter("probes.checks.timed-out");
        metrics.remove("probes.connections.open"); // a service started again in this JVM: count this server's
        metrics.register("probes.connections.open", (Gauge<Integer>) shares::open);
        long interval = probes.getCheckInterval().toNanoseconds();
        this.liveness = new Verdict(interval, this::live, Runnable::run);
        this.readiness = new Verdict(interval, this::ready, command -> checks.execute(command));
    }

    @Override
    public void start() throws Exception {
        QueuedThreadPool threads = new QueuedThreadPool(8, 2);
        threads.setName("probes");
        server = new Server(threads);
        HttpConfiguration http = new HttpConfiguration();
        http.setSendServerVersion(false); // as Dropwizard's connectors: say nothing of what serves
        connector = new ServerConnector(server, 1, 1, new HttpConnectionFactory(http));
        connector.setHost(probes.getBindHost());
        connector.setPort(probes.getPort());
        connector.setIdleTimeout(IDLE_TIMEOUT.toMillis());
        connector.addBean(shares);
        connector.addBean(deadline);
        server.addConnector(connector);
        server.setHandler(new Handler.Abstract() {
            @Override
            public boolean handle(Request request, Response response, Callback callback) {
                deadline.requestArrived(request.getConnectionMetaData().getConnection());
                return answer(request, response, callback);
            }
        });
        checks = Executors.newSingleThreadExecutor(runnable -> {
            Thread thread = new Thread(runnable, "probes-checks");
            thread.setDaemon(true);
            return thread;
        });
        server.start();
        port = connector.getLocalPort();
        scheduleSummary();
    }

    @Override
    public void stop() throws Exception {
        Scheduler.Task task = nextSummary;
        if (task != null) {
            task.cancel();
        }
        if (server != null) {
            server.stop();
        }
        if (checks != null) {
            checks.shutdownNow();
        }
        summary.flush(true);
    }

    /** The port listened on (the configured one, or the one chosen for port 0 in tests). */
    public int port() {
        return port;
    }

    private boolean answer(Request request, Response response, Callback callback) {
        response.getHeaders().put(HttpHeader.CACHE_CONTROL, "no-store");
        // One request per connection: kubelet asks for no more, and no one keeps a connection by asking again.
        response.getHeaders().put(HttpHeader.CONNECTION, HttpHeaderValue.CLOSE);
        String method = request.getMethod();
        if (!HttpMethod.GET.is(method) && !HttpMethod.HEAD.is(method)) {
            return respond(response, callback, HttpStatus.METHOD_NOT_ALLOWED_405);
        }
        return switch (request.getHttpURI().getPath()) {
            case "/livez" -> respond(response, callback, status(liveness.now().join()));
            case "/readyz" -> respondWhenReady(request, response, callback);
            default -> respond(response, callback, HttpStatus.NOT_FOUND_404);
        };
    }

    /** Answers from the verdict, once known: no thread waits for a run of the checks. */
    private boolean respondWhenReady(Request request, Response response, Callback callback) {
        if (drain.draining()) {
            return respond(response, callback, HttpStatus.SERVICE_UNAVAILABLE_503); // at once, whatever the last verdict
        }
        CompletableFuture<Boolean> verdict = readiness.now();
        if (verdict.isDone()) {
            return respond(response, callback, status(verdict.getNow(false)));
        }
        AtomicBoolean answered = new AtomicBoolean();
        Scheduler.Task timeout = connector.getScheduler().schedule(() -> {
            if (answered.compareAndSet(false, true)) {
                checksTimedOut.mark();
                summary.count(Summary.Kind.CHECKS_SLOW, address(request.getConnectionMetaData().getRemoteSocketAddress()));
                respond(response, callback, HttpStatus.SERVICE_UNAVAILABLE_503);
            }
        }, CHECKS_WAIT.toMillis(), TimeUnit.MILLISECONDS);
        verdict.whenComplete((ready, failure) -> {
            if (answered.compareAndSet(false, true)) {
                timeout.cancel();
                respond(response, callback, status(failure == null && ready));
            }
        });
        return true;
    }

    private static boolean respond(Response response, Callback callback, int status) {
        response.setStatus(status);
        callback.succeeded();
        return true;
    }

    private static int status(boolean ok) {
        return ok ? HttpStatus.OK_200 : HttpStatus.SERVICE_UNAVAILABLE_503;
    }

    boolean live() {
        return deadlocks.getDeadlockedThreads().isEmpty();
    }

    boolean ready() {
        if (source != null && !tlsReady()) {
            return false;
        }
        return healthChecks.getNames().stream().filter(READINESS_CHECKS::contains)
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

    private void scheduleSummary() {
        nextSummary = connector.getScheduler().schedule(() -> {
            if (server.isRunning()) {
                summary.flush(false);
                scheduleSummary();
            }
        }, SUMMARY_INTERVAL.toMillis(), TimeUnit.MILLISECONDS);
    }

    private static String address(SocketAddress remote) {
        return remote instanceof InetSocketAddress inet && inet.getAddress() != null
                ? inet.getAddress().getHostAddress() : String.valueOf(remote);
    }

    /**
     * A verdict (live, ready) computed at most once per interval: requests within it share the
     * last one, requests while it is being computed share that computation. Liveness is computed
     * in the asking thread (a look at the threads' locks); readiness on the checks thread, as a
     * health check may take its time.
     */
    private final class Verdict {
        private final long intervalNanos;
        private final BooleanSupplier compute;
        private final Executor executor;
        private CompletableFuture<Boolean> running;
        private boolean known;
        private boolean value;
        private long computedAt;

        Verdict(long intervalNanos, BooleanSupplier compute, Executor executor) {
            this.intervalNanos = intervalNanos;
            this.compute = compute;
            this.executor = executor;
        }

        /** The verdict: done at once if one is fresh (and, computed in the asking thread, when returned). */
        CompletableFuture<Boolean> now() {
            CompletableFuture<Boolean> run;
            synchronized (this) {
                if (known && System.nanoTime() - computedAt < intervalNanos) {
                    return CompletableFuture.completedFuture(value);
                }
                if (running != null) {
                    return running;
                }
                run = new CompletableFuture<>();
                running = run;
            }
            try {
                executor.execute(() -> compute(run));
            } catch (RejectedExecutionException stopping) {
                done(run, false);
            }
            return run;
        }

        private void compute(CompletableFuture<Boolean> run) {
            boolean result = false;
            try {
                result = compute.getAsBoolean();
            } catch (RuntimeException failure) {
                LOG.warn("probe verdict could not be computed: {}", failure.toString());
            } finally {
                done(run, result);
            }
        }

        private void done(CompletableFuture<Boolean> run, boolean result) {
            synchronized (this) {
                value = result;
                known = true;
                computedAt = System.nanoTime();
                if (running == run) {
                    running = null;
                }
            }
            run.complete(result); // outside the lock: waiting probes are answered in this thread
        }
    }

    /**
     * Counts open connections in all and per remote address, from the moment Jetty accepts one
     * (before any of its bytes are read) to its close; past {@code probes.max_connections_per_address}
     * or {@code probes.max_connections} the new connection is closed at once.
     */
    private final class Shares implements SelectorManager.AcceptListener {
        private final Map<SelectableChannel, InetAddress> counted = new HashMap<>();
        private final Map<InetAddress, Integer> perAddress = new HashMap<>();

        @Override
        public void onAccepting(SelectableChannel channel) {
            InetAddress address = channel instanceof SocketChannel socket ? socket.socket().getInetAddress() : null;
            Summary.Kind refusal = null;
            synchronized (this) {
                if (perAddress.getOrDefault(address, 0) >= probes.getMaxConnectionsPerAddress()) {
                    refusal = Summary.Kind.PER_ADDRESS;
                } else if (counted.size() >= probes.getMaxConnections()) {
                    refusal = Summary.Kind.TOTAL;
                } else {
                    counted.put(channel, address);
                    perAddress.merge(address, 1, Integer::sum);
                }
            }
            if (refusal != null) {
                IO.close(channel); // Jetty then fails to register it and calls onAcceptFailed
                rejected.mark();
                summary.count(refusal, address == null ? "an unknown address" : address.getHostAddress());
            }
        }

        @Override
        public void onAcceptFailed(SelectableChannel channel, Throwable cause) {
            release(channel);
        }

        @Override
        public void onClosed(SelectableChannel channel) {
            release(channel);
        }

        private synchronized void release(SelectableChannel channel) {
            if (counted.containsKey(channel)) { // once: Jetty may report a failed accept after onAccepted
                perAddress.computeIfPresent(counted.remove(channel), (key, open) -> open == 1 ? null : open - 1);
            }
        }

        synchronized int open() {
            return counted.size();
        }
    }

    /**
     * Closes a connection that has not delivered a complete request header
     * {@code probes.header_timeout} after it opened: Jetty's idle timeout restarts with every
     * byte, so a peer trickling one byte a second would otherwise keep it.
     */
    private final class HeaderDeadline implements Connection.Listener {
        private final Map<Connection, Scheduler.Task> pending = new ConcurrentHashMap<>();

        @Override
        public void onOpened(Connection connection) {
            pending.put(connection, connector.getScheduler().schedule(() -> expire(connection),
                    probes.getHeaderTimeout().toMilliseconds(), TimeUnit.MILLISECONDS));
        }

        @Override
        public void onClosed(Connection connection) {
            requestArrived(connection);
        }

        void requestArrived(Connection connection) {
            Scheduler.Task task = pending.remove(connection);
            if (task != null) {
                task.cancel();
            }
        }

        private void expire(Connection connection) {
            if (pending.remove(connection) == null) {
                return;
            }
            slow.mark();
            summary.count(Summary.Kind.SLOW, address(connection.getEndPoint().getRemoteSocketAddress()));
            connection.getEndPoint().close();
        }
    }

    /**
     * What was refused, closed or answered 503 for want of time, told in one WARN line at most
     * once a minute: the first event at once, the ones after it counted and told with the next
     * line (or by the minute's flush), with the addresses they came from (the first few).
     */
    private final class Summary {
        enum Kind { PER_ADDRESS, TOTAL, SLOW, CHECKS_SLOW }

        private static final int MAX_SOURCES = 5;

        private final long[] counts = new long[Kind.values().length];
        private final Set<String> sources = new LinkedHashSet<>();
        private boolean moreSources;
        private Instant since;
        private long lastLine;
        private boolean logged;

        void count(Kind kind, String source) {
            String line = null;
            synchronized (this) {
                if (since == null) {
                    since = Instant.now();
                }
                counts[kind.ordinal()]++;
                if (sources.size() < MAX_SOURCES) {
                    sources.add(source);
                } else if (!sources.contains(source)) {
                    moreSources = true;
                }
                if (!logged || System.nanoTime() - lastLine >= SUMMARY_INTERVAL.toNanos()) {
                    line = take();
                }
            }
            if (line != null) {
                LOG.warn(line);
            }
        }

        /** Tells what was counted since the last line, once the interval has passed (or at stop). */
        void flush(boolean stopping) {
            String line = null;
            synchronized (this) {
                if (since != null && (stopping || System.nanoTime() - lastLine >= SUMMARY_INTERVAL.toNanos())) {
                    line = take();
                }
            }
            if (line != null) {
                LOG.warn(line);
            }
        }

        private String take() {
            List<String> what = new ArrayList<>();
            add(what, Kind.PER_ADDRESS, "refused %d connection%s, " + probes.getMaxConnectionsPerAddress()
                    + " open from their address (probes.max_connections_per_address)");
            add(what, Kind.TOTAL, "refused %d connection%s, " + probes.getMaxConnections()
                    + " open in all (probes.max_connections)");
            add(what, Kind.SLOW, "closed %d connection%s without a complete request within "
                    + probes.getHeaderTimeout() + " (probes.header_timeout)");
            add(what, Kind.CHECKS_SLOW, "answered %d readiness probe%s 503, the health checks taking longer than "
                    + CHECKS_WAIT.toSeconds() + " s");
            String line = "probe port " + port + " since " + since + ": " + String.join("; ", what)
                    + "; from " + String.join(", ", sources) + (moreSources ? " and others" : "");
            Arrays.fill(counts, 0);
            sources.clear();
            moreSources = false;
            since = null;
            lastLine = System.nanoTime();
            logged = true;
            return line;
        }

        private void add(List<String> what, Kind kind, String format) {
            long count = counts[kind.ordinal()];
            if (count > 0) {
                what.add(String.format(Locale.ROOT, format, count, count == 1 ? "" : "s"));
            }
        }
    }
}
