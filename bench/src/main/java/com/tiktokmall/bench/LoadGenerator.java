package com.tiktokmall.bench;

import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;
import org.apache.hc.client5.http.classic.methods.HttpPost;
import org.apache.hc.client5.http.impl.classic.CloseableHttpClient;
import org.apache.hc.core5.http.ContentType;
import org.apache.hc.core5.http.io.entity.EntityUtils;
import org.apache.hc.core5.http.io.entity.StringEntity;

import java.time.Duration;
import java.time.Year;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Places orders as the gateway from N concurrent clients on keep-alive connections for a while,
 * and prints one JSON line: throughput and latency percentiles. {@code --cert} switches mTLS on.
 * With {@code --payment}, each order placed is then charged there with a fresh
 * {@code Idempotency-Key}: an iteration is the order and its charge (both must succeed), and the
 * line also gives the charges' own latency percentiles.
 *
 * <pre>
 * java -jar bench/target/bench.jar --order https://localhost:9443 --auth https://localhost:8443 \
 *   --payment https://localhost:7443 --clients 16 --warmup 5 --seconds 20 \
 *   --cert certs/gateway-cert.pem --key certs/gateway-key.pem --ca certs/ca-cert.pem
 * </pre>
 */
public final class LoadGenerator {
    private static final String ORDER = "{\"currency\":\"USD\",\"email\":\"bench@example.com\",\"address\":{"
            + "\"street_address\":\"1 Bench St\",\"city\":\"Load\",\"state\":\"CA\",\"country\":\"US\",\"zip_code\":\"94000\"},"
            + "\"items\":[{\"product_id\":1,\"quantity\":1,\"cost\":9.99}]}";
    /** A charge of an order of {@link #ORDER} (amount: the sum of its items' costs); %s is the order id. */
    private static final String CHARGE = "{\"order_id\":\"%s\",\"amount\":9.99,\"credit_card\":{"
            + "\"number\":\"4242424242424242\",\"cvv\":\"123\",\"expiration_month\":12,\"expiration_year\":"
            + Year.now(ZoneOffset.UTC).plusYears(3) + "}}";
    private static final Pattern TOKEN = Pattern.compile("\"token\":\"([^\"]+)\"");
    private static final Pattern ORDER_ID = Pattern.compile("\"order_id\":\"([^\"]+)\"");

    private final CloseableHttpClient http;
    private final String orders;
    private final String charges; // null: orders only
    private final String authorization;
    private final Recorder latencies = new Recorder(3);
    private final Recorder chargeLatencies = new Recorder(3);
    private final AtomicLong errors = new AtomicLong();
    private final Map<String, LongAdder> failures = new ConcurrentHashMap<>(); // what failed, e.g. "charge HTTP 503"

    private LoadGenerator(CloseableHttpClient http, String orderUrl, String paymentUrl, String token) {
        this.http = http;
        this.orders = orderUrl + "/v1/orders";
        this.charges = paymentUrl == null ? null : paymentUrl + "/v1/charges";
        this.authorization = "Bearer " + token;
    }

    public static void main(String[] args) throws Exception {
        Map<String, String> options = Options.parse(args, "order", "auth");
        int clients = Integer.parseInt(options.getOrDefault("clients", "1"));
        try (CloseableHttpClient http = BenchClient.build(options, clients)) {
            LoadGenerator load = new LoadGenerator(http, options.get("order"), options.get("payment"),
                    token(http, options.get("auth")));
            load.run(clients, Duration.ofSeconds(Long.parseLong(options.getOrDefault("warmup", "3"))));
            load.latencies.getIntervalHistogram();
            load.chargeLatencies.getIntervalHistogram();
            load.errors.set(0);
            load.failures.clear();
            Duration measured = Duration.ofSeconds(Long.parseLong(options.getOrDefault("seconds", "10")));
            long started = System.nanoTime();
            load.run(clients, measured);
            double seconds = (System.nanoTime() - started) / 1e9;
            Histogram histogram = load.latencies.getIntervalHistogram();
            Histogram charged = load.chargeLatencies.getIntervalHistogram();
            String chargeFigures = load.charges == null ? "" : String.format(Locale.ROOT,
                    ",\"charges\":%d,\"charge_p50_ms\":%.2f,\"charge_p99_ms\":%.2f", charged.getTotalCount(),
                    charged.getValueAtPercentile(50) / 1e6, charged.getValueAtPercentile(99) / 1e6);
            System.out.printf(Locale.ROOT, "{\"clients\":%d,\"seconds\":%.1f,\"orders\":%d,\"errors\":%d,"
                            + "\"throughput\":%.1f,\"p50_ms\":%.2f,\"p99_ms\":%.2f%s}%n", clients, seconds,
                    histogram.getTotalCount(), load.errors.get(), histogram.getTotalCount() / seconds,
                    histogram.getValueAtPercentile(50) / 1e6, histogram.getValueAtPercentile(99) / 1e6, chargeFigures);
            if (!load.failures.isEmpty()) { // stdout is the one JSON line; what failed goes to stderr
                Map<String, Long> counted = new TreeMap<>();
                load.failures.forEach((what, n) -> counted.put(what, n.sum()));
                System.err.println("failed calls: " + counted);
            }
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

    /** One iteration: an order placed and, with {@code --payment}, charged; counted only when all of it succeeded. */
    private void placeOrder() {
        HttpPost post = new HttpPost(orders);
        post.setHeader("Authorization", authorization);
        post.setEntity(new StringEntity(ORDER, ContentType.APPLICATION_JSON));
        long start = System.nanoTime();
        try {
            String orderId = http.execute(post, response -> {
                String body = EntityUtils.toString(response.getEntity());
                Matcher id = ORDER_ID.matcher(body);
                if (response.getCode() == 201 && id.find()) {
                    return id.group(1);
                }
                failed("order HTTP " + response.getCode());
                return null;
            });
            if (orderId == null || charges != null && !charge(orderId)) {
                return;
            }
            latencies.recordValue(System.nanoTime() - start);
        } catch (Exception e) {
            failed(e.getClass().getSimpleName());
        }
    }

    private void failed(String what) {
        errors.incrementAndGet();
        failures.computeIfAbsent(what, k -> new LongAdder()).increment();
    }

    /** Charges the order with a fresh key: true for 201 (charged, and order told it is paid); false counted as failed. */
    private boolean charge(String orderId) throws Exception {
        HttpPost post = new HttpPost(charges);
        post.setHeader("Authorization", authorization);
        post.setHeader("Idempotency-Key", UUID.randomUUID().toString());
        post.setEntity(new StringEntity(String.format(Locale.ROOT, CHARGE, orderId), ContentType.APPLICATION_JSON));
        long start = System.nanoTime();
        int status = http.execute(post, response -> {
            EntityUtils.consume(response.getEntity());
            return response.getCode();
        });
        if (status != 201) {
            failed("charge HTTP " + status);
            return false;
        }
        chargeLatencies.recordValue(System.nanoTime() - start);
        return true;
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
