package com.tiktokmall.mtls.dropwizard.authorization;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import com.tiktokmall.mtls.testing.EchoApplication;
import com.tiktokmall.mtls.testing.MtlsTestClient.Reply;
import com.tiktokmall.mtls.testing.MtlsTestClient;
import com.tiktokmall.mtls.testing.TestPki;
import io.dropwizard.core.cli.ServerCommand;
import io.dropwizard.testing.DropwizardTestSupport;
import io.dropwizard.testing.ResourceHelpers;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.slf4j.LoggerFactory;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** The admin port: health for any certificate of the CA, everything else for authorization.admin only. */
class AdminAuthorizationTest {
    private static final String CONFIG = ResourceHelpers.resourceFilePath("echo-request-log.yml");
    private static final String PREFIX = "admin-test.";
    private static final TestPki PKI = TestPki.create();
    private static final ListAppender<ILoggingEvent> AUDIT = new ListAppender<>();

    private static Path requestLog;
    private static DropwizardTestSupport<EchoApplication.EchoConfiguration> app;
    private static MtlsTestClient gateway;
    private static MtlsTestClient ops;

    @BeforeAll
    static void start() throws Exception {
        requestLog = PKI.dir().resolve("request.log");
        Map<String, String> settings = PKI.tlsSettings("echo");
        settings.put("server.requestLog.appenders[0].currentLogFilename", requestLog.toString());
        app = new DropwizardTestSupport<>(EchoApplication.class, CONFIG, PREFIX, ServerCommand::new,
                TestPki.overrides(PREFIX, settings));
        app.before();
        AUDIT.start();
        ((Logger) LoggerFactory.getLogger(AdminAuthorizationFilter.class)).addAppender(AUDIT);
        gateway = MtlsTestClient.as(PKI.issue("gateway"), PKI.ca());
        ops = MtlsTestClient.as(PKI.issue("ops"), PKI.ca());
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
