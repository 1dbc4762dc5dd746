package com.tiktokmall.payment;

import com.tiktokmall.mtls.testing.JvmMetrics;
import com.tiktokmall.mtls.testing.MtlsTestClient;
import com.tiktokmall.mtls.testing.MtlsTestClient.Reply;
import com.tiktokmall.mtls.testing.Promtool;
import com.tiktokmall.mtls.testing.TestPki;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.dropwizard.jackson.Jackson;
import io.dropwizard.testing.DropwizardTestSupport;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.StreamSupport;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What Prometheus scrapes from each of the three services after traffic on every resource: 200
 * with every resource's metrics under Prometheus's names (timers in seconds, the request latency
 * as a histogram by route, the certificates' expiry as timestamps), in text exposition about
 * which promtool has nothing to say (a metric name that Prometheus cannot tell from another fails
 * the whole scrape with 500).
 */
class PrometheusScrapeTest {
    private static final TestPki PKI = TestPki.create();

    @RegisterExtension
    static final Shop SHOP = Shop.of(PKI);

    @BeforeAll
    static void trafficOnEveryResource() {
        for (String service : new String[] {"auth", "order", "payment"}) {
            JvmMetrics.registerAsInProduction(support(service).getApplication(), support(service).getEnvironment());
        }
        String token = SHOP.token(91);
        String orderId = SHOP.placeOrder(token);
        assertThat(SHOP.charge(token, UUID.randomUUID().toString(), PaymentTestApp.aCharge(orderId, "19.99")).status())
                .isEqualTo(201); // payment -> auth verify, order read and mark paid
        SHOP.orderStatus(token, orderId); // order's list
        MtlsTestClient gateway = SHOP.gateway();
        assertThat(gateway.post(SHOP.authAndOrder().authUrl("/v1/tokens/revoke"), Map.of("token", token)).status())
                .isEqualTo(204);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource({
        "auth,    com_tiktokmall_auth_resources_token_resource_revoke,      POST, /v1/tokens/revoke",
        "order,   com_tiktokmall_order_resources_order_resource_mark_paid,  POST, /v1/orders/{order_id}/paid",
        "payment, com_tiktokmall_payment_resources_charge_resource_charge,  POST, /v1/charges"})
    void everyServiceServesItsMetricsToPrometheus(String service, String resourceTimer, String method, String route)
            throws Exception {
        Reply scrape = MtlsTestClient.as(PKI.issue("ops"), PKI.ca())
                .get("https://localhost:" + support(service).getAdminPort() + "/prometheus");

        assertThat(scrape.status()).as(scrape.body().lines().limit(3).toList().toString()).isEqualTo(200);
        assertThat(scrape.body())
                .containsPattern("(?m)^" + resourceTimer + "_seconds_count [1-9]")
                .contains("# TYPE " + resourceTimer + "_with_filters_seconds summary")
                .containsPattern("(?m)^http_server_request_duration_seconds_bucket\\{method=\"" + method + "\",route=\""
                        + Pattern.quote(route) + "\",status=\"2[0-9][0-9]\",le=\"0\\.005\"} [0-9]")
                .containsPattern("(?m)^mtls_certificate_expiry_timestamp_seconds\\{serial=\"[0-9a-f]+\",setting=\"server_cert\","
                        + "spiffe_id=\"spiffe://tiktokmall\\.local/" + service + "\"} [0-9.E]+$")
                .containsPattern("(?m)^tls_handshakes_succeeded_total [1-9]")
                .contains("# TYPE jvm_memory_heap_used_bytes gauge");
        Promtool.assertAccepts(scrape.body());
    }

    /**
     * Every series an alert of {@code deploy/components/alerts} reads, but those of Prometheus
     * itself and kube-state-metrics, is one each service serves: a renamed metric would leave its
     * alert silent for ever, which {@code promtool test rules} (fed by hand-written series) cannot see.
     */
    @ParameterizedTest(name = "{0}")
    @CsvSource({"auth", "order", "payment"})
    void everySeriesTheAlertsReadIsInTheScrape(String service) throws Exception {
        Set<String> read = seriesReadByTheAlerts(Path.of("..", "deploy", "components", "alerts", "rules.yml"));
        String scrape = MtlsTestClient.as(PKI.issue("ops"), PKI.ca())
                .get("https://localhost:" + support(service).getAdminPort() + "/prometheus").body();

        assertThat(read).as("series the alerts read").contains("tls_reloads_failed_total",
                "mtls_certificate_expiry_timestamp_seconds").containsAll(AFTER_AN_EVENT.keySet());
        for (String name : read) {
            if (AFTER_AN_EVENT.containsKey(name)) {
                continue;
            }
            String family = name.endsWith("_total") ? name.substring(0, name.length() - "_total".length()) : name;
            assertThat(scrape).as(name + " in the scrape of " + service)
                    .containsPattern("(?m)^(# TYPE (" + name + "|" + family + ") |" + name + "[{ ])");
        }
    }

    /** The metric names in the rules' expressions: identifiers that are not functions, keywords, labels or recorded. */
    private static Set<String> seriesReadByTheAlerts(Path rules) throws IOException {
        JsonNode groups = Jackson.newObjectMapper(new YAMLFactory()).readTree(rules.toFile()).path("groups");
        Set<String> names = new TreeSet<>();
        for (JsonNode rule : groups.findValues("rules").stream().flatMap(list -> StreamSupport.stream(list.spliterator(),
                false)).toList()) {
            String expr = rule.path("expr").asText()
                    .replaceAll("\"[^\"]*\"", "")
                    .replaceAll("\\{[^}]*}", " ")
                    .replaceAll("\\[[^\\]]*]", " ")
                    .replaceAll("\\b(by|without|on|ignoring|group_left|group_right)\\s*\\([^)]*\\)", " ");
            Matcher identifier = Pattern.compile("\\b([a-zA-Z_:][a-zA-Z0-9_:]*)\\b(?!\\s*\\()").matcher(expr);
            while (identifier.find()) {
                String name = identifier.group(1);
                if (!name.contains(":") && !PROMQL_WORDS.contains(name) && !FROM_ELSEWHERE.matcher(name).matches()) {
                    names.add(name);
                }
            }
        }
        return names;
    }

    /**
     * Counters with labels have no series until their first event; each is shown in a scrape
     * after one by the test named.
     */
    private static final Map<String, String> AFTER_AN_EVENT = Map.of(
            "mtls_connections_refused_total", "FairSharesTest.aSlowSenderWithoutARoleCannotShutOutAKnownPeer",
            "mtls_connections_closed_total", "FairSharesTest.aSlowSenderWithoutARoleCannotShutOutAKnownPeer");
    private static final Set<String> PROMQL_WORDS = Set.of("and", "or", "unless", "bool", "offset");
    /** Prometheus's own {@code up}, and kube-state-metrics. */
    private static final Pattern FROM_ELSEWHERE = Pattern.compile("up|kube_.*");

    private static DropwizardTestSupport<?> support(String service) {
        return switch (service) {
            case "auth" -> SHOP.authAndOrder().auth();
            case "order" -> SHOP.authAndOrder().order();
            default -> SHOP.payment();
        };
    }
}
