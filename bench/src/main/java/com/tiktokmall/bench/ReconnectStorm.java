package com.tiktokmall.bench;

import com.amazon.corretto.crypto.provider.AmazonCorrettoCryptoProvider;
import com.tiktokmall.mtls.Identity;
import com.tiktokmall.mtls.MtlsContext;
import com.tiktokmall.mtls.TrustBundle;
import com.tiktokmall.mtls.dropwizard.client.ClosedConnectionRetry;
import org.apache.hc.client5.http.classic.methods.HttpGet;
import org.apache.hc.client5.http.classic.methods.HttpPost;
import org.apache.hc.client5.http.config.ConnectionConfig;
import org.apache.hc.client5.http.impl.classic.CloseableHttpClient;
import org.apache.hc.client5.http.impl.classic.HttpClientBuilder;
import org.apache.hc.client5.http.impl.classic.HttpClients;
import org.apache.hc.client5.http.impl.io.PoolingHttpClientConnectionManager;
import org.apache.hc.client5.http.impl.io.PoolingHttpClientConnectionManagerBuilder;
import org.apache.hc.client5.http.protocol.HttpClientContext;
import org.apache.hc.client5.http.ssl.DefaultClientTlsStrategy;
import org.apache.hc.client5.http.ssl.HostnameVerificationPolicy;
import org.apache.hc.client5.http.ssl.TlsSocketStrategy;
import org.apache.hc.core5.http.io.entity.EntityUtils;
import org.apache.hc.core5.reactor.ssl.SSLBufferMode;
import org.apache.hc.core5.util.TimeValue;
import org.conscrypt.Conscrypt;

import javax.net.ssl.SSLException;
import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.SSLSession;
import java.net.SocketException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.Provider;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.concurrent.atomic.LongAdder;

/**
 * A reconnect storm after step 3 of a CA rotation. N clients hold one keep-alive connection each
 * to a service, made with a leaf of the old CA, and send a cheap request every interval; the
 * callers then get leaves of the new CA (step 2: new connections use them), the service's
 * {@code ca_cert} is replaced by the new CA alone and {@code reload-tls} applied (step 3), so the
 * service closes every connection and each client must shake hands again. Prints one JSON line:
 * the milliseconds from the file swap until every client was served on a new connection, and the
 * calls that failed.
 *
 * <p>The clients behave as the services' own clients do ({@code MtlsHttpClientBuilder}): a call
 * that meets its pooled connection closed by the server before any response is sent once more
 * ({@link ClosedConnectionRetry}; these GETs are idempotent), on a new connection. They keep their connections of the old CA busy through
 * step 3, as a gateway that took its new leaf for new connections would: step 3 is then the storm.
 * {@code --retry false} sends nothing again, as the storm of step 12 did.
 *
 * <pre>
 * java -cp bench/target/bench.jar com.tiktokmall.bench.ReconnectStorm --url https://localhost:8443 \
 *   --admin https://localhost:8444 --clients 200 --ca both-cas.pem --cert old-gateway-cert.pem \
 *   --key old-gateway-key.pem --next-cert new-gateway-cert.pem --next-key new-gateway-key.pem \
 *   --ops-cert ops-cert.pem --ops-key ops-key.pem --swap new-ca.pem --ca-file service-ca.pem
 * </pre>
 */
public final class ReconnectStorm {
    private final String url;
    private final int clients;
    private final long intervalMs;
    private final AtomicReference<TlsSocketStrategy> tls = new AtomicReference<>();
    private final AtomicReferenceArray<Long> servedAgainAt;
    private final AtomicLong failures = new AtomicLong();
    private final AtomicLong calls = new AtomicLong();
    private final Map<String, LongAdder> failedBy = new ConcurrentHashMap<>();
    private volatile long swappedAt = Long.MAX_VALUE;
    private volatile long swappedAtMillis = Long.MAX_VALUE;
    private volatile boolean running = true;

    private ReconnectStorm(String url, int clients, long intervalMs) {
        this.url = url;
        this.clients = clients;
        this.intervalMs = intervalMs;
        this.servedAgainAt = new AtomicReferenceArray<>(clients);
    }

    public static void main(String[] args) throws Exception {
        Map<String, String> o = Options.parse(args, "url", "admin", "ca", "cert", "key", "next-cert", "next-key",
                "ops-cert", "ops-key", "swap", "ca-file");
        int clients = Integer.parseInt(o.getOrDefault("clients", "200"));
        if (clients < 1 || clients > 1000) {
            throw new IllegalArgumentException("--clients must be between 1 and 1000");
        }
        Provider provider = provider(o.getOrDefault("provider", "jsse"));
        ReconnectStorm storm = new ReconnectStorm(o.get("url"), clients, Long.parseLong(o.getOrDefault("interval-ms", "250")));
        storm.tls.set(strategy(o.get("cert"), o.get("key"), o.get("ca"), provider));
        boolean retry = Boolean.parseBoolean(o.getOrDefault("retry", "true"));
        ClosedConnectionRetry closedConnections = new ClosedConnectionRetry(false, null, () -> { });
        PoolingHttpClientConnectionManager pool = PoolingHttpClientConnectionManagerBuilder.create()
                .setMaxConnPerRoute(clients).setMaxConnTotal(clients)
                .setTlsSocketStrategy((socket, target, port, attachment, context) -> {
                    try {
                        return storm.tls.get().upgrade(socket, target, port, attachment, context);
                    } catch (SSLException | SocketException e) { // as MtlsHttpClientBuilder: a handshake failure says so
                        SSLHandshakeException failed = new SSLHandshakeException("TLS handshake failed: " + e);
                        failed.initCause(e);
                        throw failed;
                    }
                })
                .build();
        // as order's and payment's clients: validateAfterInactivityPeriod 2s
        ConnectionConfig connections = ConnectionConfig.custom().setValidateAfterInactivity(TimeValue.ofSeconds(2)).build();
        pool.setConnectionConfigResolver(retry ? ClosedConnectionRetry.connectionConfig(connections) : route -> connections);
        HttpClientBuilder builder = HttpClients.custom().setConnectionManager(pool).disableConnectionState();
        try (CloseableHttpClient http = (retry ? builder.setRetryStrategy(closedConnections) : builder.disableAutomaticRetries())
                .build()) {
            List<Thread> workers = storm.start(http);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (pool.getTotalStats().getLeased() + pool.getTotalStats().getAvailable() < clients) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("only " + pool.getTotalStats() + " connections after 60 s");
                }
                Thread.sleep(50);
            }
            Thread.sleep(Long.parseLong(o.getOrDefault("hold-ms", "2000")));
            storm.failures.set(0);
            storm.failedBy.clear();
            storm.calls.set(0);
            long retriedBefore = closedConnections.retried();
            // step 2 for the callers: connections made from now on present the new CA's leaf
            storm.tls.set(strategy(o.get("next-cert"), o.get("next-key"), o.get("ca"), provider));
            // step 3 for the service: it trusts only the new CA and closes every connection of the old one
            storm.swappedAtMillis = System.currentTimeMillis();
            storm.swappedAt = System.nanoTime();
            Path caFile = Path.of(o.get("ca-file"));
            Path staged = caFile.resolveSibling(caFile.getFileName() + ".next");
            Files.copy(Path.of(o.get("swap")), staged, StandardCopyOption.REPLACE_EXISTING);
            Files.move(staged, caFile, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            String reloaded = reload(o);
            long reloadMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - storm.swappedAt);
            deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
            while (storm.waiting() > 0 && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
            storm.running = false;
            for (Thread worker : workers) {
                worker.join();
            }
            long last = 0;
            for (int i = 0; i < clients; i++) {
                Long at = storm.servedAgainAt.get(i);
                last = Math.max(last, at == null ? Long.MAX_VALUE : at - storm.swappedAt);
            }
            storm.failedBy.forEach((cause, count) -> System.err.println("failed calls: " + count + " x " + cause));
            System.out.printf(Locale.ROOT, "{\"clients\":%d,\"served_again\":%d,\"all_served_ms\":%s,\"reload_ms\":%d,"
                            + "\"calls\":%d,\"failed_calls\":%d,\"retried_calls\":%d,\"reload\":\"%s\"}%n", clients,
                    clients - storm.waiting(), last == Long.MAX_VALUE ? "null" : String.valueOf(TimeUnit.NANOSECONDS.toMillis(last)),
                    reloadMs, storm.calls.get(), storm.failures.get(), closedConnections.retried() - retriedBefore,
                    reloaded.strip().replace("\"", "'").replace("\n", " "));
        }
    }

    private List<Thread> start(CloseableHttpClient http) {
        List<Thread> workers = new ArrayList<>();
        for (int i = 0; i < clients; i++) {
            int client = i;
            Thread worker = new Thread(() -> serve(http, client), "storm-" + i);
            worker.start();
            workers.add(worker);
        }
        return workers;
    }

    /** One client: a cheap request every interval; served again once answered on a session begun after the swap. */
    private void serve(CloseableHttpClient http, int client) {
        while (running) {
            HttpClientContext context = HttpClientContext.create();
            try {
                // answered 405 by the application after the mTLS checks: any answer means served
                int status = http.execute(new HttpGet(url + "/v1/tokens"), context, response -> {
                    EntityUtils.consume(response.getEntity());
                    return response.getCode();
                });
                SSLSession session = context.getSSLSession();
                if (status > 0 && session != null && session.getCreationTime() >= swappedAtMillis
                        && servedAgainAt.get(client) == null) {
                    servedAgainAt.set(client, System.nanoTime());
                }
            } catch (Exception e) {
                failures.incrementAndGet();
                failedBy.computeIfAbsent(e.getClass().getSimpleName() + ": " + e.getMessage(), cause -> new LongAdder())
                        .increment();
            }
            calls.incrementAndGet();
            try {
                Thread.sleep(servedAgainAt.get(client) == null && swappedAt != Long.MAX_VALUE ? 0 : intervalMs);
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    private int waiting() {
        int waiting = 0;
        for (int i = 0; i < clients; i++) {
            if (servedAgainAt.get(i) == null) {
                waiting++;
            }
        }
        return waiting;
    }

    private static TlsSocketStrategy strategy(String cert, String key, String ca, Provider provider) {
        MtlsContext context = MtlsContext.forClient(Identity.fromPem(Path.of(cert), Path.of(key)))
                .trust(TrustBundle.fromPem(Path.of(ca))).provider(provider).build();
        return new DefaultClientTlsStrategy(context.sslContext(), context.protocols().toArray(String[]::new),
                context.cipherSuites().toArray(String[]::new), SSLBufferMode.STATIC, HostnameVerificationPolicy.BUILTIN, null);
    }

    /** The callers' TLS implementation, the same options as the service's {@code tls.provider}. */
    private static Provider provider(String name) {
        switch (name) {
            case "jsse":
                return null;
            case "accp":
            case "auto":
                AmazonCorrettoCryptoProvider.INSTANCE.assertHealthy();
                AmazonCorrettoCryptoProvider.install();
                return null;
            case "conscrypt":
                return Conscrypt.newProvider();
            default:
                throw new IllegalArgumentException("--provider: jsse, accp, auto or conscrypt, not " + name);
        }
    }

    private static String reload(Map<String, String> o) throws Exception {
        MtlsContext ops = MtlsContext.forClient(Identity.fromPem(Path.of(o.get("ops-cert")), Path.of(o.get("ops-key"))))
                .trust(TrustBundle.fromPem(Path.of(o.get("ca")))).build();
        try (CloseableHttpClient admin = HttpClients.custom().setConnectionManager(PoolingHttpClientConnectionManagerBuilder.create()
                .setTlsSocketStrategy(new DefaultClientTlsStrategy(ops.sslContext())).build()).build()) {
            return admin.execute(new HttpPost(o.get("admin") + "/tasks/reload-tls"),
                    response -> response.getCode() + " " + EntityUtils.toString(response.getEntity()));
        }
    }
}
