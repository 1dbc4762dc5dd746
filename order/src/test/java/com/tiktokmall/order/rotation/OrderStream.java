package com.tiktokmall.order.rotation;

import com.tiktokmall.mtls.testing.MtlsTestClient.Reply;
import com.tiktokmall.mtls.testing.MtlsTestClient;
import com.tiktokmall.order.OrderFixture;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Places orders back to back on one client while certificates rotate, recording every call that
 * does not succeed, and counting the successful ones by the mark that was current when they
 * started: proof that calls went on across each step.
 */
final class OrderStream {
    private static final int MARKS = 32;

    private final AtomicReference<MtlsTestClient> client;
    private final String url;
    private final String token;
    private final Duration within;
    private final AtomicBoolean running = new AtomicBoolean(true);
    private final AtomicInteger mark = new AtomicInteger();
    private final AtomicIntegerArray succeededSince = new AtomicIntegerArray(MARKS);
    private final ConcurrentLinkedQueue<String> failures = new ConcurrentLinkedQueue<>();
    private final Thread thread = new Thread(this::run, "order-stream");

    /** Orders on {@code url} as the user of {@code token}; each wait gives up after {@code within}. */
    OrderStream(MtlsTestClient client, String url, String token, Duration within) {
        this.client = new AtomicReference<>(client);
        this.url = url;
        this.token = token;
        this.within = within;
    }

    void start() {
        thread.start();
    }

    /** Calls from now on are made with {@code next}. */
    void use(MtlsTestClient next) {
        client.set(next);
    }

    /** A new mark: the calls counted under it start from now on. */
    int mark() {
        int next = mark.incrementAndGet();
        assertThat(next).as("marks").isLessThan(MARKS);
        return next;
    }

    /** Waits until {@code calls} that started after {@code mark} have succeeded (or one call failed). */
    void awaitSucceededSince(int mark, int calls) {
        await(calls + " successful calls that started after mark " + mark).atMost(within)
                .until(() -> succeededSince.get(mark) >= calls || !failures.isEmpty());
        assertThat(failures).as("failed calls").isEmpty();
    }

    void stop() throws InterruptedException {
        running.set(false);
        thread.join(30_000);
    }

    /** Every call that did not answer 201, in words. */
    List<String> failures() {
        return List.copyOf(failures);
    }

    private void run() {
        while (running.get()) {
            int startedUnder = mark.get();
            try {
                Reply reply = client.get().post(url, OrderFixture.order(), "Authorization", "Bearer " + token);
                if (reply.status() == 201) {
                    succeededSince.incrementAndGet(startedUnder);
                } else {
                    failures.add(reply.toString());
                }
            } catch (RuntimeException e) {
                failures.add(e.toString());
            }
        }
    }
}
