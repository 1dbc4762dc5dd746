package com.tiktokmall.order.postgres;

import com.tiktokmall.auth.AuthConfiguration;
import com.tiktokmall.mtls.SpiffeId;
import com.tiktokmall.auth.AuthTestApp;
import com.tiktokmall.mtls.testing.CommandRunner;
import com.tiktokmall.mtls.testing.MtlsTestClient;
import com.tiktokmall.mtls.testing.MtlsTestClient.Reply;
import com.tiktokmall.mtls.testing.PostgresServer;
import com.tiktokmall.mtls.testing.TestCa;
import com.tiktokmall.mtls.testing.TestCert;
import com.tiktokmall.mtls.testing.TestPki;
import com.tiktokmall.order.OrderApplication;
import com.tiktokmall.order.OrderConfiguration;
import com.tiktokmall.order.OrderTestApp;
import io.dropwizard.testing.DropwizardTestSupport;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * auth and order on a real PostgreSQL 15, each logging in with the certificate of its tls block:
 * migrations, the whole order flow, what the server sees, and start-up refusals told in one line.
 */
class PostgresFlowTest {
    private static final TestPki PKI = TestPki.create();
    @RegisterExtension
    static final PostgresServer POSTGRES = PostgresServer.trusting(PKI);

    private static final Path DATA = AuthTestApp.dataDir(PKI);
    private static DropwizardTestSupport<AuthConfiguration> auth;
    private static DropwizardTestSupport<OrderConfiguration> order;
    private static MtlsTestClient gateway;

    @BeforeAll
    static void start() throws Exception {
        Map<String, String> authSettings = AuthTestApp.settings(PKI, DATA);
        authSettings.putAll(POSTGRES.databaseSettings("auth"));
        auth = AuthTestApp.support(authSettings);
        auth.before();
        order = OrderTestApp.support(orderSettings());
        order.before();
        gateway = MtlsTestClient.as(PKI.issue("gateway"), PKI.ca());
    }

    @AfterAll
    static void stop() {
        if (order != null) {
            order.after();
        }
        if (auth != null) {
            auth.after();
        }
    }

    @Test
    void migrationsAndTheWholeOrderFlowRunOverMutualTls() throws SQLException {
        String token = gateway.post(url(auth, "/v1/tokens"), Map.of("user_id", 31)).text("token");
        String orderId = gateway.post(url(order, "/v1/orders"), OrderTestApp.anOrder(), "Authorization",
                "Bearer " + token).text("order_id");
        Reply listed = gateway.get(url(order, "/v1/orders"), "Authorization", "Bearer " + token);
        Reply paid = MtlsTestClient.as(PKI.issue("payment"), PKI.ca()).post(url(order, "/v1/orders/" + orderId + "/paid"));

        assertThat(listed.json().path("orders").findValuesAsText("order_id")).containsExactly(orderId);
        assertThat(paid.status()).isEqualTo(200);
        try (Connection observer = POSTGRES.connect("order", "order", PKI.ca().leaf("order").issue())) {
            assertThat(rows(observer, "SELECT status FROM orders WHERE order_id = ?", orderId)).containsExactly("PAID");
            assertThat(rows(observer, "SELECT count(*) FROM order_items WHERE order_id = ?", orderId)).containsExactly("1");
            assertThat(rows(observer, "SELECT filename || '#' || id FROM databasechangelog ORDER BY orderexecuted", null))
                    .containsExactly("migrations/order.xml#1", "migrations/order.xml#2");
            assertThat(rows(observer, "SELECT DISTINCT s.version || ' ' || s.client_dn FROM pg_stat_ssl s"
                    + " JOIN pg_stat_activity a USING (pid) WHERE a.usename = 'order' AND s.pid <> pg_backend_pid()", null))
                    .containsExactly("TLSv1.3 /CN=order");
        }
        try (Connection observer = POSTGRES.connect("auth", "auth", PKI.ca().leaf("auth").issue())) {
            assertThat(rows(observer, "SELECT filename FROM databasechangelog", null)).containsExactly("migrations/auth.xml");
            assertThat(rows(observer, "SELECT DISTINCT s.client_dn FROM pg_stat_ssl s JOIN pg_stat_activity a"
                    + " USING (pid) WHERE a.usename = 'auth' AND s.pid <> pg_backend_pid()", null)).containsExactly("/CN=auth");
        }
        assertThat(POSTGRES.log()).contains("order@order LOG:  connection authenticated: identity=\"CN=order\" method=cert");
    }

    @Test
    void aDatabaseServerCertificateFromAnotherCaStopsStartUpInOneLine() {
        TestCa otherCa = TestCa.create("Other CA");
        TestCert mine = otherCa.leaf("order").issue();
        Path dir = PKI.dir().resolve("other-ca");
        Map<String, String> settings = orderSettings();
        settings.put("tls.ca_cert", TestCert.writeCertificates(dir.resolve("ca-cert.pem"), otherCa.certificate()).toString());
        for (String role : new String[] {"server", "client"}) {
            settings.put("tls." + role + "_cert", mine.writeCertificate(dir.resolve("order-cert.pem")).toString());
            settings.put("tls." + role + "_key", mine.writeKey(dir.resolve("order-key.pem")).toString());
        }

        CommandRunner.Result start = CommandRunner.run(new OrderApplication(), settings, "server", OrderTestApp.CONFIG);

        assertThat(start.succeeded()).isFalse();
        assertThat(start.stderr().strip()).startsWith("order start-up failed: database: PostgreSQL at localhost:"
                        + POSTGRES.port() + " is not trusted: peer certificate 'postgres' is issued by 'TikTokMall Test CA'")
                .doesNotContain("\n");
    }

    @Test
    void theDatabaseRefusingOrdersCertificateStopsStartUpInOneLine() {
        Map<String, String> settings = orderSettings();
        settings.put("database.url", POSTGRES.url("auth"));
        settings.put("database.user", "auth");

        CommandRunner.Result start = CommandRunner.run(new OrderApplication(), settings, "server", OrderTestApp.CONFIG);

        assertThat(start.succeeded()).isFalse();
        assertThat(start.stderr().strip()).startsWith("order start-up failed: database: PostgreSQL at localhost:"
                + POSTGRES.port() + " refused the client certificate 'order' (tls.client_cert, serial ")
                .contains("for user \"auth\": FATAL: certificate authentication failed for user \"auth\". Fix: ")
                .doesNotContain("\n");
    }

    @Test
    void anSvidWithoutCnCannotLogInAndTheErrorPointsToTlsDatabase() {
        Map<String, String> settings = orderSettings();
        settings.putAll(svid("svid-refused"));

        CommandRunner.Result start = CommandRunner.run(new OrderApplication(), settings, "server", OrderTestApp.CONFIG);

        assertThat(start.succeeded()).isFalse();
        assertThat(start.stderr().strip()).startsWith("order start-up failed: database: PostgreSQL at localhost:"
                        + POSTGRES.port() + " refused the client certificate 'spiffe://tiktokmall.local/order' (tls.client_cert,")
                .contains("this certificate has no CN (an SVID): give the database connection one that has, in tls.database")
                .doesNotContain("\n");
    }

    @Test
    void anSvidServiceLogsInWithTheCertificateOfTlsDatabaseWatchedLikeTheOthers() throws Exception {
        Path dir = PKI.dir().resolve("svid-database");
        TestCert database = PKI.ca().leaf("order").clientAuthOnly().issue();
        Path cert = database.writeCertificate(dir.resolve("db-cert.pem"));
        Path key = database.writeKey(dir.resolve("db-key.pem"));
        Map<String, String> settings = orderSettings();
        settings.putAll(svid("svid-database"));
        settings.put("tls.database.ca_cert", PKI.caCert().toString());
        settings.put("tls.database.client_cert", cert.toString());
        settings.put("tls.database.client_key", key.toString());
        DropwizardTestSupport<OrderConfiguration> svidOrder = OrderTestApp.support(settings);
        svidOrder.before();
        try {
            SpiffeId order = SpiffeId.parse("spiffe://tiktokmall.local/order");
            MtlsTestClient ops = MtlsTestClient.expecting(order, PKI.issue("ops"), PKI.ca());
            String admin = "https://localhost:" + svidOrder.getAdminPort();
            assertThat(sessions()).contains("/CN=order " + database.certificate().getSerialNumber());
            Reply health = ops.get(admin + "/healthcheck");
            assertThat(health.json().path("tls-database").path("healthy").asBoolean()).as(health.body()).isTrue();
            assertThat(health.json().path("tls-database").toString()).contains(hex(database));
            assertThat(ops.get(admin + "/prometheus").body()).contains("mtls_certificate_expiry_timestamp_seconds{serial=\""
                    + hex(database) + "\",setting=\"database.client_cert\",spiffe_id=\"spiffe://tiktokmall.local/order\"}");

            Files.writeString(cert, "not a certificate");
            assertThat(ops.post(admin + "/tasks/reload-tls").body()).contains("tls.database.client_cert (" + cert + ")");
            TestCert renewed = PKI.ca().leaf("order").clientAuthOnly().issue();
            renewed.writeCertificate(cert);
            renewed.writeKey(key);
            assertThat(ops.post(admin + "/tasks/reload-tls").body()).contains("reloaded: client 'order' serial " + hex(renewed));
            String token = gateway.post(url(auth, "/v1/tokens"), Map.of("user_id", 32)).text("token");
            MtlsTestClient toOrder = MtlsTestClient.expecting(order, PKI.issue("gateway"), PKI.ca());
            assertThat(toOrder.post("https://localhost:" + svidOrder.getLocalPort() + "/v1/orders", OrderTestApp.anOrder(),
                    "Authorization", "Bearer " + token).status()).isEqualTo(201);
            assertThat(sessions()).as("the pool's connections after the reload")
                    .contains("/CN=order " + renewed.certificate().getSerialNumber())
                    .doesNotContain("/CN=order " + database.certificate().getSerialNumber());
        } finally {
            svidOrder.after();
        }
    }

    /** Subject and serial of every session of role order but the observer's. */
    private static List<String> sessions() throws SQLException {
        try (Connection observer = POSTGRES.connect("order", "order", PKI.ca().leaf("order").issue())) {
            return rows(observer, "SELECT DISTINCT s.client_dn || ' ' || s.client_serial FROM pg_stat_ssl s"
                    + " JOIN pg_stat_activity a USING (pid) WHERE a.usename = 'order' AND s.pid <> pg_backend_pid()", null);
        }
    }

    private static String hex(TestCert cert) {
        return cert.certificate().getSerialNumber().toString(16);
    }

    /** order's own identity as an X.509-SVID: an empty subject, one URI SAN, as SPIRE and csi-driver-spiffe issue it. */
    private static Map<String, String> svid(String name) {
        Path dir = PKI.dir().resolve(name);
        TestCert svid = PKI.ca().leaf("order").svid().issue();
        Path cert = svid.writeCertificate(dir.resolve("order-cert.pem"));
        Path key = svid.writeKey(dir.resolve("order-key.pem"));
        return Map.of("tls.server_cert", cert.toString(), "tls.server_key", key.toString(),
                "tls.client_cert", cert.toString(), "tls.client_key", key.toString());
    }

    private static Map<String, String> orderSettings() {
        Map<String, String> settings = OrderTestApp.settings(PKI, DATA, "https://localhost:" + auth.getLocalPort());
        settings.putAll(POSTGRES.databaseSettings("order"));
        return settings;
    }

    private static List<String> rows(Connection connection, String sql, String parameter) throws SQLException {
        try (PreparedStatement statement = connection.prepareStatement(sql)) {
            if (parameter != null) {
                statement.setString(1, parameter);
            }
            try (ResultSet rows = statement.executeQuery()) {
                List<String> values = new ArrayList<>();
                while (rows.next()) {
                    values.add(rows.getString(1));
                }
                return values;
            }
        }
    }

    private static String url(DropwizardTestSupport<?> app, String path) {
        return "https://localhost:" + app.getLocalPort() + path;
    }
}
