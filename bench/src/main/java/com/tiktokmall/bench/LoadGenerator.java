package com.tiktokmall.bench;

import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;
import org.apache.hc.client5.http.classic.methods.HttpPost;
import org.apache.hc.client5.http.impl.classic.CloseableHttpClient;
import org.apache.hc.core5.http.ContentType;
import org.apache.hc.core5.http.io.entity.EntityUtils;
import org.apache.hc.core5.http.io.entity.StringEntity;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Places orders as the gateway from N concurrent clients on keep-alive connections for a while,
 * and prints one JSON line: throughput and latency percentiles. {@code --cert} switches mTLS on.
 *
 * <pre>
 * java -jar bench/target/bench.jar --order https://localhost:9443 --auth https://localhost:8443 \
 *   --clients 16 --warmup 5 --seconds 20 --cert certs/gateway-cert.pem --key certs/gateway-key.pem --ca certs/ca-cert.pem
 * </pre>
 */
public final class LoadGenerator {
    private static final String ORDER = "{\"currency\":\"USD\",\"email\":\"bench@example.com\",\"address\":{"
            + "\"street_address\":\"1 Bench St\",\"city\":\"Load\",\"state\":\"CA\",\"country\":\"US\",\"zip_code\":\"94000\"},"
            + "\"items\":[{\"product_id\":1,\"quantity\":1,\"cost\":9.99}]}";
    private static final Pattern TOKEN = Pattern.compile("\"token\":\"([^\"]+)\"");

    private final CloseableHttpClient http;
    private final String orders;
    private final String authorization;
    private final Recorder latencies = new Recorder(3);
    private final AtomicLong errors = new AtomicLong();

    private LoadGenerator(CloseableHttpClient http, String orderUrl, String token) {
        this.http = http;
        this.orders = orderUrl + "/v1/orders";
        this.authorization = "Bearer " + token;
    }

    public static void main(String[] args) throws Exception {
        Map<String, String> options = Options.parse(args, "order", "auth");
        int clients = Integer.parseInt(options.getOrDefault("clients", "1"));
        try (CloseableHttpClient http = BenchClient.build(options, clients)) {
            LoadGenerator load = new LoadGenerator(http, options.get("order"), token(http, options.get("auth")));
            load.run(clients, Duration.ofSeconds(Long.parseLong(options.getOrDefault("warmup", "3"))));
            load.latencies.getIntervalHistogram();
            load.errors.set(0);
            Duration measured = Duration.ofSeconds(Long.parseLong(options.getOrDefault("seconds", "10")));
            long started = System.nanoTime();
            load.run(clients, measured);
            double seconds = (System.nanoTime() - started) / 1e9;
            Histogram histogram = load.latencies.getIntervalHistogram();
            System.out.printf(Locale.ROOT, "{\"clients\":%d,\"seconds\":%.1f,\"orders\":%d,\"errors\":%d,"
                            + "\"throughput\":%.1f,\"p50_ms\":%.2f,\"p99_ms\":%.2f}%n", clients, seconds,
                    histogram.getTotalCount(), load.errors.get(), histogram.getTotalCount() / seconds,
                    histogram.getValueAtPercentile(50) / 1e6, histogram.getValueAtPercentile(99) / 1e6);
        }
    }

    private void run(int clients, Duration duration) throws InterruptedException {
        long deadline = System.nanoTime() + duration.toNanos();
        List<Thread> workers = new ArrayList<>();
        for (int i = 0; i < clients; i++) {
            Thread worker = new Thread(() -> {
                while (System.nanoTime() < deadline) {
                    placeOrder();
                }
            }, "client-" + i);
            worker.start();
            workers.add(worker);
        }
        for (Thread worker : workers) {
            worker.join();
        }
    }

    private void placeOrder() {
        HttpPost post = new HttpPost(orders);
        post.setHeader("Authorization", authorization);
        post.setEntity(new StringEntity(ORDER, ContentType.APPLICATION_JSON));
        long start = System.nanoTime();
        try {
            int status = http.execute(post, response -> {
                EntityUtils.consume(response.getEntity());
                return response.getCode();
            });
            if (status == 201) {
                latencies.recordValue(System.nanoTime() - start);
            } else {
                errors.incrementAndGet();
            }
        } catch (Exception e) {
            errors.incrementAndGet();
        }
    }

    private static String token(CloseableHttpClient http, String authUrl) throws Exception {
        HttpPost post = new HttpPost(authUrl + "/v1/tokens");
        post.setEntity(new StringEntity("{\"user_id\":4242}", ContentType.APPLICATION_JSON));
        String body = http.execute(post, response -> EntityUtils.toString(response.getEntity()));
        Matcher token = TOKEN.matcher(body);
        if (!token.find()) {
            throw new IllegalStateException("auth gave no token: " + body);
        }
        return token.group(1);
    }
}
