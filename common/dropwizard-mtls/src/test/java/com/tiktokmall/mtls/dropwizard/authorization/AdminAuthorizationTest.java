package com.tiktokmall.mtls.dropwizard.authorization;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import com.tiktokmall.mtls.TlsException;
import com.tiktokmall.mtls.testing.EchoApplication;
import com.tiktokmall.mtls.testing.MtlsTestClient.Reply;
import com.tiktokmall.mtls.testing.MtlsTestClient;
import com.tiktokmall.mtls.testing.TestPki;
import io.dropwizard.core.cli.ServerCommand;
import io.dropwizard.testing.DropwizardTestSupport;
import io.dropwizard.testing.ResourceHelpers;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.slf4j.LoggerFactory;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * The admin port: health for any certificate of the CA, GET /prometheus also for
 * authorization.metrics, everything else for authorization.admin only.
 */
class AdminAuthorizationTest {
    private static final String CONFIG = ResourceHelpers.resourceFilePath("echo-request-log.yml");
    private static final String PREFIX = "admin-test.";
    private static final TestPki PKI = TestPki.create();
    private static final ListAppender<ILoggingEvent> AUDIT = new ListAppender<>();

    private static Path requestLog;
    private static DropwizardTestSupport<EchoApplication.EchoConfiguration> app;
    private static MtlsTestClient gateway;
    private static MtlsTestClient ops;
    private static MtlsTestClient scraper;

    @BeforeAll
    static void start() throws Exception {
        requestLog = PKI.dir().resolve("request.log");
        Map<String, String> settings = PKI.tlsSettings("echo");
        settings.put("server.requestLog.appenders[0].currentLogFilename", requestLog.toString());
        app = new DropwizardTestSupport<>(EchoApplication.class, CONFIG, PREFIX, ServerCommand::new,
                TestPki.overrides(PREFIX, settings));
        app.before();
        gateway = MtlsTestClient.as(PKI.issue("gateway"), PKI.ca());
        ops = MtlsTestClient.as(PKI.issue("ops"), PKI.ca());
        scraper = MtlsTestClient.as(PKI.issue("prometheus"), PKI.ca());
    }

    /** Another service started in this JVM (a start-up that must fail) resets logback: attach again. */
    @BeforeEach
    void listen() {
        AUDIT.start();
        Logger filter = (Logger) LoggerFactory.getLogger(AdminAuthorizationFilter.class);
        filter.detachAppender(AUDIT);
        filter.addAppender(AUDIT);
        filter.setLevel(Level.INFO);
    }

    @AfterAll
    static void stop() {
        ((Logger) LoggerFactory.getLogger(AdminAuthorizationFilter.class)).detachAppender(AUDIT);
        app.after();
    }

    @Test
    void anotherIdentityMayNotChangeALogLevelAndGets403NamingIt() {
        Reply reply = gateway.post(admin("/tasks/log-level?logger=org.apache.hc.client5.http.wire&level=DEBUG"));

        assertThat(reply.status()).isEqualTo(403);
        assertThat(reply.json().path("code").asInt()).isEqualTo(403);
        assertThat(reply.text("identity")).isEqualTo("spiffe://tiktokmall.local/gateway");
        assertThat(reply.text("message")).startsWith("spiffe://tiktokmall.local/gateway may not call POST /tasks/log-level"
                + " on the admin port");
        assertThat(((Logger) LoggerFactory.getLogger("org.apache.hc.client5.http.wire")).getLevel()).isNull();
    }

    @ParameterizedTest
    @ValueSource(strings = {"/metrics", "/threads", "/pprof", "/"})
    void anotherIdentityMayNotReadMetricsOrThreads(String path) {
        assertThat(gateway.get(admin(path)).status()).isEqualTo(403);
    }

    @ParameterizedTest
    @ValueSource(strings = {"/metrics", "/threads", "/healthcheck", "/ping"})
    void theAdminIdentityMayReadEverything(String path) {
        assertThat(ops.get(admin(path)).status()).isEqualTo(200);
    }

    @ParameterizedTest
    @ValueSource(strings = {"/healthcheck", "/ping"})
    void healthIsOpenToAnyCertificateOfTheCa(String path) {
        assertThat(gateway.get(admin(path)).status()).isEqualTo(200);
    }

    @ParameterizedTest
    @ValueSource(strings = {"/prometheus", "/healthcheck", "/ping"})
    void theMetricsIdentityMayScrapeAndReadHealth(String path) {
        Reply reply = scraper.get(admin(path));

        assertThat(reply.status()).as(reply.toString()).isEqualTo(200);
    }

    @Test
    void theScrapeIsPrometheusText() {
        Reply reply = scraper.get(admin("/prometheus"));

        assertThat(reply.response().headers().firstValue("Content-Type")).hasValueSatisfying(
                type -> assertThat(type).startsWith("text/plain"));
        assertThat(reply.body()).contains("# TYPE ");
    }

    @ParameterizedTest
    @ValueSource(strings = {"/metrics", "/threads", "/pprof", "/tasks/gc", "/", "/prometheus/", "/Prometheus"})
    void theMetricsIdentityMayReadNothingElse(String path) {
        Reply reply = scraper.get(admin(path));

        assertThat(reply.status()).as(reply.toString()).isEqualTo(403);
        assertThat(reply.text("identity")).isEqualTo("spiffe://tiktokmall.local/prometheus");
        assertThat(reply.text("message")).startsWith("spiffe://tiktokmall.local/prometheus may not call GET ")
                .contains("authorization.metrics allows it only GET /prometheus");
    }

    @Test
    void theMetricsIdentityMayRunNoTaskNorPostToTheScrape() {
        Reply task = scraper.post(admin("/tasks/log-level?logger=com.example.scraped&level=DEBUG"));
        Reply post = scraper.post(admin("/prometheus"));

        assertThat(task.status()).isEqualTo(403);
        assertThat(post.status()).isEqualTo(403);
        assertThat(((Logger) LoggerFactory.getLogger("com.example.scraped")).getLevel()).isNull();
        assertThat(AUDIT.list).extracting(ILoggingEvent::getFormattedMessage)
                .contains("admin call refused: POST /tasks/log-level by spiffe://tiktokmall.local/prometheus"
                        + " (authorization.metrics may only GET /prometheus)");
    }

    @ParameterizedTest
    @ValueSource(strings = {"/prometheus", "/metrics", "/threads"})
    void theAdminIdentityStillMayReadEverything(String path) {
        assertThat(ops.get(admin(path)).status()).isEqualTo(200);
    }

    @Test
    void anotherIdentityMayNotScrape() {
        assertThat(gateway.get(admin("/prometheus")).status()).isEqualTo(403);
    }

    @Test
    void aMalformedMetricsIdentityStopsStartUpNamingTheSetting() throws Exception {
        String yaml = Files.readString(Path.of(CONFIG)).replace("    - spiffe://tiktokmall.local/prometheus",
                "    - spiffe://elsewhere.local/prometheus");
        Path config = Files.writeString(Files.createTempFile(PKI.dir(), "echo", ".yml"), yaml);
        DropwizardTestSupport<EchoApplication.EchoConfiguration> broken = new DropwizardTestSupport<>(
                EchoApplication.class, config.toString(), "admin-broken.", ServerCommand::new,
                TestPki.overrides("admin-broken.", PKI.tlsSettings("echo")));
        try {
            assertThatThrownBy(broken::before).isInstanceOf(TlsException.class).hasMessageStartingWith(
                    "authorization.metrics: spiffe://elsewhere.local/prometheus is not in the trust domain tiktokmall.local");
        } finally {
            broken.after();
        }
    }

    @Test
    void aCertificateWithoutIdentityIsRefusedAndNamedBySubject() {
        MtlsTestClient anonymous = MtlsTestClient.as(PKI.ca().leaf("nobody").sans("DNS:localhost").issue(), PKI.ca());

        Reply reply = anonymous.get(admin("/metrics"));

        assertThat(reply.status()).isEqualTo(403);
        assertThat(reply.text("message")).startsWith("unidentified(CN=nobody) may not call GET /metrics");
    }

    @Test
    void everyAdminCallIsLoggedWithTheCallersIdentity() {
        Reply reply = ops.post(admin("/tasks/log-level?logger=com.example.quiet&level=WARN"));

        assertThat(reply.status()).isEqualTo(200);
        assertThat(AUDIT.list).extracting(ILoggingEvent::getFormattedMessage)
                .contains("admin call: POST /tasks/log-level by spiffe://tiktokmall.local/ops");
        await().atMost(10, TimeUnit.SECONDS).untilAsserted(() -> assertThat(Files.readString(requestLog))
                .containsPattern("127\\.0\\.0\\.1 spiffe://tiktokmall\\.local/ops \\[.*\"POST /tasks/log-level\\?"));
    }

    private static String admin(String path) {
        return "https://localhost:" + app.getAdminPort() + path;
    }
}
