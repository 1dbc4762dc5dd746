package com.tiktokmall.mtls.testing;

import com.tiktokmall.mtls.dropwizard.client.ClosedConnectionRetry;
import org.apache.hc.client5.http.config.ConnectionConfig;
import org.apache.hc.client5.http.impl.classic.CloseableHttpClient;
import org.apache.hc.client5.http.impl.classic.HttpClients;
import org.apache.hc.client5.http.impl.io.PoolingHttpClientConnectionManager;
import org.apache.hc.client5.http.impl.io.PoolingHttpClientConnectionManagerBuilder;
import org.apache.hc.client5.http.protocol.HttpClientContext;
import org.apache.hc.client5.http.ssl.DefaultClientTlsStrategy;
import org.apache.hc.core5.http.ClassicHttpRequest;
import org.apache.hc.core5.http.Header;
import org.apache.hc.core5.http.io.entity.EntityUtils;
import org.apache.hc.core5.util.TimeValue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.IntFunction;
import javax.net.ssl.SSLContext;

import static org.awaitility.Awaitility.await;

/**
 * A gateway's keep-alive pool (Apache HttpClient 5), as {@code ReconnectStorm}'s: the connections
 * it opens present the leaf given last ({@link #present}, step 2 of a CA rotation for the gateway),
 * the ones it holds stay open, nothing is checked before reuse, and a call is sent again as the
 * services' own clients send it again ({@link ClosedConnectionRetry}, every call idempotent).
 */
public final class KeepAliveGateway implements AutoCloseable {
    private final AtomicReference<SSLContext> leaf;
    private final ClosedConnectionRetry retry = new ClosedConnectionRetry(true, null, () -> { });
    private final CloseableHttpClient http;

    /** A pool of at most {@code connections} to one service, presenting {@code leaf}. */
    public KeepAliveGateway(SSLContext leaf, int connections) {
        this.leaf = new AtomicReference<>(leaf);
        PoolingHttpClientConnectionManager pool = PoolingHttpClientConnectionManagerBuilder.create()
                .setMaxConnPerRoute(connections).setMaxConnTotal(connections)
                .setTlsSocketStrategy((socket, target, port, attachment, context) ->
                        new DefaultClientTlsStrategy(this.leaf.get()).upgrade(socket, target, port, attachment, context))
                .build();
        // No check of its own before reuse (as with a long validateAfterInactivityPeriod): a
        // connection the server closed is found by sending on it.
        pool.setConnectionConfigResolver(ClosedConnectionRetry.connectionConfig(ConnectionConfig.custom()
                .setValidateAfterInactivity(TimeValue.ofMinutes(10)).build()));
        this.http = HttpClients.custom().setConnectionManager(pool).disableConnectionState().setRetryStrategy(retry).build();
    }

    /** Connections opened from now on present {@code next}; the open ones are kept. */
    public void present(SSLContext next) {
        leaf.set(next);
    }

    /** How many calls were sent again. */
    public long retried() {
        return retry.retried();
    }

    /** One call, its body read; a failure after the retry is an {@link UncheckedIOException}. */
    public Call call(ClassicHttpRequest request) {
        HttpClientContext context = HttpClientContext.create();
        try {
            return http.execute(request, context, response -> {
                EntityUtils.consume(response.getEntity());
                Header connection = response.getFirstHeader("Connection");
                X509Certificate presented = (X509Certificate) context.getSSLSession().getLocalCertificates()[0];
                return new Call(response.getCode(), connection == null ? null : connection.getValue(),
                        presented.getIssuerX500Principal().getName());
            });
        } catch (IOException e) {
            throw new UncheckedIOException(request + ": " + e, e);
        }
    }

    /** {@code count} callers in a loop on this pool, the i-th call of each being {@code requests.apply(i)}. */
    public Callers callers(int count, IntFunction<ClassicHttpRequest> requests) {
        return new Callers(count, requests);
    }

    @Override
    public void close() throws IOException {
        http.close();
    }

    /** One call's outcome: its status, its {@code Connection} header, the issuer of the leaf its connection presented. */
    public record Call(int status, String connection, String presentedIssuer) {
    }

    /** Callers busy on one pool, each call that did not answer 2xx kept in words. */
    public final class Callers {
        private final AtomicBoolean running = new AtomicBoolean(true);
        private final AtomicInteger calls = new AtomicInteger();
        private final Queue<String> failures = new ConcurrentLinkedQueue<>();
        private final List<Thread> threads = new ArrayList<>();

        private Callers(int count, IntFunction<ClassicHttpRequest> requests) {
            for (int i = 0; i < count; i++) {
                Thread thread = new Thread(() -> run(requests), "keep-alive-caller-" + i);
                thread.start();
                threads.add(thread);
            }
        }

        private void run(IntFunction<ClassicHttpRequest> requests) {
            for (int i = 0; running.get(); i++) {
                ClassicHttpRequest request = requests.apply(i);
                try {
                    Call call = call(request);
                    if (call.status() / 100 != 2) {
                        failures.add(request + ": " + call.status());
                    }
                } catch (RuntimeException e) {
                    failures.add(e.getMessage());
                }
                calls.incrementAndGet();
            }
        }

        /** Calls made so far, answered or not. */
        public int calls() {
            return calls.get();
        }

        /** Waits until {@code more} calls than now have been made (at most {@code within}). */
        public void awaitMore(int more, Duration within) {
            int target = calls.get() + more;
            await().atMost(within.toMillis(), TimeUnit.MILLISECONDS).until(() -> calls.get() >= target);
        }

        /** Every call that failed, in words. */
        public List<String> failures() {
            return List.copyOf(failures);
        }

        public void stop() throws InterruptedException {
            running.set(false);
            for (Thread thread : threads) {
                thread.join(30_000);
            }
        }
    }
}
