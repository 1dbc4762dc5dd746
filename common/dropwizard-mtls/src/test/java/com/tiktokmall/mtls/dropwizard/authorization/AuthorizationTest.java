package com.tiktokmall.mtls.dropwizard.authorization;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import com.tiktokmall.mtls.TlsException;
import com.tiktokmall.mtls.testing.EchoApplication;
import com.tiktokmall.mtls.testing.MtlsTestClient.Reply;
import com.tiktokmall.mtls.testing.MtlsTestClient;
import com.tiktokmall.mtls.testing.RawHttps;
import com.tiktokmall.mtls.testing.TestCert;
import com.tiktokmall.mtls.testing.TestPki;
import io.dropwizard.core.cli.ServerCommand;
import io.dropwizard.testing.DropwizardTestSupport;
import io.dropwizard.testing.ResourceHelpers;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/** Authorization by the SPIFFE identity in the client certificate, never by its CN. */
class AuthorizationTest {
    private static final String CONFIG = ResourceHelpers.resourceFilePath("echo-request-log.yml");
    private static final String PREFIX = "authz-test.";
    private static final TestPki PKI = TestPki.create();
    private static final ListAppender<ILoggingEvent> REFUSALS = new ListAppender<>();

    private static Path requestLog;
    private static DropwizardTestSupport<EchoApplication.EchoConfiguration> app;

    @BeforeAll
    static void start() throws Exception {
        requestLog = PKI.dir().resolve("request.log");
        Map<String, String> settings = PKI.tlsSettings("echo");
        settings.put("server.requestLog.appenders[0].currentLogFilename", requestLog.toString());
        app = new DropwizardTestSupport<>(EchoApplication.class, CONFIG, PREFIX, ServerCommand::new,
                TestPki.overrides(PREFIX, settings));
        app.before();
    }

    /** Again before each test: a service started by another test resets logging, which stops appenders. */
    @BeforeEach
    void listen() {
        REFUSALS.start();
        Logger logger = (Logger) LoggerFactory.getLogger(ForbiddenCallerMapper.class);
        logger.setLevel(Level.INFO);
        logger.addAppender(REFUSALS);
    }

    @AfterAll
    static void stop() {
        ((Logger) LoggerFactory.getLogger(ForbiddenCallerMapper.class)).detachAppender(REFUSALS);
        app.after();
    }

    @Test
    void aGrantedIdentityIsServedAndNamedInTheRequestLog() {
        String query = "?call=" + System.nanoTime(); // this call's line, not another test's
        Reply reply = client("gateway").get(whoami() + query);

        assertThat(reply.status()).isEqualTo(200);
        assertThat(reply.text("identity")).isEqualTo("spiffe://tiktokmall.local/gateway");
        await().atMost(10, TimeUnit.SECONDS).untilAsserted(() -> assertThat(Files.readString(requestLog))
                .containsPattern("127\\.0\\.0\\.1 spiffe://tiktokmall\\.local/gateway \\[.*\"GET /whoami\\" + query
                        + " HTTP/1\\.1\" 200"));
    }

    @Test
    void anIdentityWithoutTheRoleGets403NamingItAndTheRole() {
        Reply reply = client("payment").get(whoami());

        assertThat(reply.status()).isEqualTo(403);
        assertThat(reply.json().path("code").asInt()).isEqualTo(403);
        assertThat(reply.text("identity")).isEqualTo("spiffe://tiktokmall.local/payment");
        assertThat(reply.text("missing_role")).isEqualTo("echo");
        assertThat(reply.text("message"))
                .isEqualTo("spiffe://tiktokmall.local/payment may not call GET /whoami: it lacks the role echo");
        await().atMost(10, TimeUnit.SECONDS).untilAsserted(() -> assertThat(REFUSALS.list)
                .extracting(ILoggingEvent::getFormattedMessage)
                .contains("refused GET /whoami to spiffe://tiktokmall.local/payment: lacks role echo"));
    }

    @Test
    void aCertificateWithoutUriSanHasNoIdentityWhateverItsCn() {
        Reply reply = as(PKI.ca().leaf("gateway").sans("DNS:gateway", "DNS:localhost").issue()).get(whoami());

        assertThat(reply.status()).isEqualTo(403);
        assertThat(reply.json().has("identity")).isFalse();
        assertThat(reply.text("message")).startsWith("a caller without identity (certificate CN=gateway has no spiffe://")
                .endsWith("may not call GET /whoami: it lacks the role echo");
    }

    @Test
    void aNewlineInTheCnIsEscapedInTheRefusalItsLogLineAndTheRequestLog() throws Exception {
        Reply reply = as(PKI.ca().leaf("gateway").subject("CN=evil\nforged").sans("DNS:localhost").issue()).get(whoami());

        assertThat(reply.status()).isEqualTo(403);
        assertThat(reply.text("message")).startsWith("a caller without identity (certificate CN=evil\\nforged has no");
        await().atMost(10, TimeUnit.SECONDS).untilAsserted(() -> assertThat(REFUSALS.list)
                .extracting(ILoggingEvent::getFormattedMessage).filteredOn(line -> line.contains("evil"))
                .containsExactly("refused GET /whoami to unidentified(CN=evil\\nforged): lacks role echo"));
        await().atMost(10, TimeUnit.SECONDS).untilAsserted(() -> assertThat(Files.readAllLines(requestLog))
                .filteredOn(line -> line.contains("evil")).singleElement().asString()
                .contains("unidentified(CN=evil\\nforged)"));
        assertThat(Files.readAllLines(requestLog)).noneMatch(line -> line.startsWith("forged"));
    }

    @Test
    void controlCharactersInARequestLineNeverReachTheRequestLog() throws Exception {
        SSLContext gateway = PKI.issue("gateway").rawClientContext(PKI.ca().certificate());
        try (RawHttps.KeepAlive connection = RawHttps.keepAlive(gateway, "localhost", app.getLocalPort())) {
            assertThat(connection.get("/whoami%0D%0Aforged").status()).as("refused by Jetty's URI rules").isEqualTo(400);
        }
        try (RawHttps.KeepAlive connection = RawHttps.keepAlive(gateway, "localhost", app.getLocalPort())) {
            assertThat(connection.get("/whoami\u0001\u001b[2J").status()).as("refused by Jetty's parser").isEqualTo(400);
        }

        await().atMost(10, TimeUnit.SECONDS).untilAsserted(() -> assertThat(Files.readString(requestLog))
                .contains("\"GET /whoami%0D%0Aforged HTTP/1.1\" 400"));
        assertThat(Files.readAllLines(requestLog)).noneMatch(line -> line.startsWith("forged"))
                .noneMatch(line -> line.chars().anyMatch(Character::isISOControl));
    }

    @Test
    void anIdentityOfAnotherTrustDomainIsNoIdentityEvenWithAGrantedPath() {
        Reply reply = as(PKI.ca().leaf("gateway").sans("DNS:localhost", "URI:spiffe://other.local/gateway").issue())
                .get(whoami());

        assertNoIdentity(reply);
    }

    @Test
    void twoUriSansMakeNoIdentity() {
        Reply reply = as(PKI.ca().leaf("gateway").sans("URI:spiffe://tiktokmall.local/gateway",
                "URI:spiffe://tiktokmall.local/payment").issue()).get(whoami());

        assertNoIdentity(reply);
    }

    @Test
    void malformedIdentitiesAndUnknownRolesStopStartUp() throws Exception {
        assertStartUpFails("gateway: [echo]", "authorization.peers: 'gateway' is not a SPIFFE ID");
        assertStartUpFails("spiffe://other.local/gateway: [echo]",
                "authorization.peers: spiffe://other.local/gateway is not in the trust domain tiktokmall.local");
        assertStartUpFails("spiffe://tiktokmall.local/order: [echo, shop]",
                "authorization.peers: spiffe://tiktokmall.local/order is granted unknown roles [shop]; this service knows [echo]");
    }

    private static void assertStartUpFails(String peer, String message) throws Exception {
        String yaml = Files.readString(Path.of(ResourceHelpers.resourceFilePath("echo.yml")))
                .replaceFirst("(?s)authorization:.*", "authorization:\n  peers:\n    " + peer + "\n");
        Path config = Files.writeString(Files.createTempFile(PKI.dir(), "echo", ".yml"), yaml);
        DropwizardTestSupport<EchoApplication.EchoConfiguration> broken = new DropwizardTestSupport<>(
                EchoApplication.class, config.toString(), PKI.tlsOverrides("echo"));
        try {
            assertThatThrownBy(broken::before).isInstanceOf(TlsException.class).hasMessageStartingWith(message);
        } finally {
            broken.after();
        }
    }

    /** 403 for a caller the service cannot name, whatever its certificate says otherwise. */
    private static void assertNoIdentity(Reply reply) {
        assertThat(reply.status()).as(reply.toString()).isEqualTo(403);
        assertThat(reply.json().has("identity")).isFalse();
        assertThat(reply.text("missing_role")).isEqualTo("echo");
        assertThat(reply.text("message")).isEqualTo("a caller without identity (certificate CN=gateway has no spiffe://"
                + " URI SAN of our trust domain) may not call GET /whoami: it lacks the role echo");
    }

    private static MtlsTestClient client(String service) {
        return as(PKI.issue(service));
    }

    private static MtlsTestClient as(TestCert cert) {
        return MtlsTestClient.as(cert, PKI.ca());
    }

    private static String whoami() {
        return "https://localhost:" + app.getLocalPort() + "/whoami";
    }
}
