package com.tiktokmall.mtls.dropwizard.db;

import com.codahale.metrics.MetricRegistry;
import com.tiktokmall.mtls.Pem;
import com.tiktokmall.mtls.dropwizard.config.SettingException;
import com.tiktokmall.mtls.TlsOptions;
import com.tiktokmall.mtls.source.FileSource;
import com.tiktokmall.mtls.source.TlsFiles;
import com.tiktokmall.mtls.source.TlsSource;
import com.tiktokmall.mtls.testing.PostgresServer;
import com.tiktokmall.mtls.testing.TestCa;
import com.tiktokmall.mtls.testing.TestCert;
import com.tiktokmall.mtls.testing.TestPki;
import io.dropwizard.db.DataSourceFactory;
import io.dropwizard.db.ManagedDataSource;
import io.dropwizard.jackson.Jackson;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.math.BigInteger;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * A real PostgreSQL 15 (TLS 1.3 only, client-certificate logins only) and connections made
 * through {@link MtlsDatabase}: each presents its service's certificate, trusts only the CA of the
 * tls block, follows reloads, and a refusal is explained in one line.
 */
class PostgresTlsTest {
    private static final TestPki PKI = TestPki.create();
    @RegisterExtension
    static final PostgresServer POSTGRES = PostgresServer.trusting(PKI);

    private final List<ManagedDataSource> pools = new ArrayList<>();

    @AfterEach
    void stopPools() throws Exception {
        for (ManagedDataSource pool : pools) {
            pool.stop();
        }
    }

    @Test
    void theServerRefusesAConnectionWithoutAClientCertificate() {
        assertThatThrownBy(() -> POSTGRES.connect("order", "order", null).close())
                .isInstanceOf(SQLException.class)
                .hasMessageContaining("connection requires a valid client certificate");
    }

    @Test
    void theServerRefusesACertificateFromAnotherCa() {
        TestCert stranger = TestCa.create("Stranger CA").leaf("order").issue();
        long refusedBefore = refusedHandshakes();

        // Under TLS 1.3 the client may see the server's alert or only a broken pipe: the server's log says why.
        assertThatThrownBy(() -> POSTGRES.connect("order", "order", stranger).close()).isInstanceOf(SQLException.class);
        await().atMost(5, TimeUnit.SECONDS).until(() -> refusedHandshakes() == refusedBefore + 1);
    }

    @Test
    void theServerAdmitsTheRoleNamedByTheCertificateOfItsCa() throws SQLException {
        try (Connection connection = POSTGRES.connect("order", "order", PKI.issue("order"))) {
            assertThat(query(connection, "SELECT current_user")).isEqualTo("order");
        }
    }

    @Test
    void aServiceConnectsWithItsOwnCertificateOverTls13() throws SQLException {
        TestCert order = PKI.issue("order");
        ManagedDataSource pool = pool("order", source(PKI.tlsFiles("order")));

        try (Connection connection = pool.getConnection()) {
            assertThat(query(connection, "SELECT current_user")).isEqualTo("order");
            assertThat(query(connection, "SELECT version FROM pg_stat_ssl WHERE pid = pg_backend_pid()"))
                    .isEqualTo("TLSv1.3");
            assertThat(clientSerial(connection)).isEqualTo(order.certificate().getSerialNumber());
        }
    }

    @Test
    void twoServicesInOneJvmEachPresentTheirOwnCertificate() throws SQLException {
        PKI.issue("auth");
        PKI.issue("order");
        ManagedDataSource auth = pool("auth", source(PKI.tlsFiles("auth")));
        ManagedDataSource order = pool("order", source(PKI.tlsFiles("order")));

        try (Connection a = auth.getConnection(); Connection o = order.getConnection()) {
            assertThat(query(a, "SELECT client_dn FROM pg_stat_ssl WHERE pid = pg_backend_pid()")).isEqualTo("/CN=auth");
            assertThat(query(o, "SELECT client_dn FROM pg_stat_ssl WHERE pid = pg_backend_pid()")).isEqualTo("/CN=order");
        }
    }

    @Test
    void aServerCertificateFromAnotherCaIsRefusedInOneLine() {
        TestCa otherCa = TestCa.create("Other CA");
        Path dir = PKI.dir().resolve("other-ca");
        TestCert order = otherCa.leaf("order").issue();
        TlsFiles files = TlsFiles.builder()
                .caCert(TestCert.writeCertificates(dir.resolve("ca-cert.pem"), otherCa.certificate()))
                .server(order.writeCertificate(dir.resolve("order-cert.pem")), order.writeKey(dir.resolve("order-key.pem")))
                .client(dir.resolve("order-cert.pem"), dir.resolve("order-key.pem"))
                .build();

        SettingException explained = settingException(() -> pool("order", source(files)).getConnection().close());
        assertThat(explained.getMessage())
                .startsWith("database: PostgreSQL at localhost:" + POSTGRES.port() + " is not trusted: ")
                .contains("'TikTokMall Test CA'")
                .doesNotContain("\n");
    }

    @Test
    void aServerCertificateThatDoesNotNameTheHostIsRefused() {
        PKI.issue("order");
        POSTGRES.serve(PKI.ca().leaf("postgres").sans("DNS:postgres", "URI:spiffe://tiktokmall.local/postgres").issue());
        try {
            assertThat(settingException(() -> pool("order", source(PKI.tlsFiles("order"))).getConnection().close())
                    .getMessage()).startsWith("database: PostgreSQL at localhost:" + POSTGRES.port() + " is not trusted: ")
                    .contains("localhost");
        } finally {
            POSTGRES.serve(PKI.ca().leaf("postgres").issue()); // DNS:localhost, IP:127.0.0.1 again
        }
    }

    @Test
    void aRevokedServerCertificateIsRefused() {
        X509Certificate server = Pem.certificates(PKI.certFile("postgres")).get(0);
        Path crl = TestCert.writeCrls(PKI.dir().resolve("server-revoked-crl.pem"), PKI.ca().crl(server));
        TlsFiles files = TlsFiles.builder().caCert(PKI.caCert())
                .server(PKI.certFile("order"), PKI.keyFile("order"))
                .client(PKI.certFile("order"), PKI.keyFile("order"))
                .build();
        PKI.issue("order");

        assertThat(settingException(() -> pool("order", source(files, crl)).getConnection().close()).getMessage())
                .startsWith("database: PostgreSQL at localhost:" + POSTGRES.port() + " is not trusted: ")
                .contains("revoked");
    }

    @Test
    void theServerRefusingTheCertificateIsExplainedInOneLine() {
        TestCert auth = PKI.issue("auth");

        SettingException explained = settingException(() -> pool("order", source(PKI.tlsFiles("auth")))
                .getConnection().close());

        assertThat(explained.getMessage()).isEqualTo("database: PostgreSQL at localhost:" + POSTGRES.port()
                + " refused the client certificate 'auth' (tls.client_cert, serial "
                + auth.certificate().getSerialNumber().toString(16) + ") for user \"order\": FATAL: certificate"
                + " authentication failed for user \"order\". Fix: PostgreSQL takes the database user from the"
                + " certificate's CN: set database.user to it, and allow it in pg_hba.conf with a hostssl ... cert"
                + " line (scripts/postgres.sh sets up auth, order and payment).");
    }

    @Test
    void afterARotationNewConnectionsPresentTheNewCertificateAndOldOnesAreRetired() throws Exception {
        TestCert before = PKI.issue("order");
        TlsSource source = source(PKI.tlsFiles("order"));
        ManagedDataSource pool = pool("order", source);
        Connection busy = pool.getConnection();
        try (Connection idle = pool.getConnection()) {
            assertThat(clientSerial(idle)).isEqualTo(before.certificate().getSerialNumber());
        }
        assertThat(sessionSerials()).containsOnly(before.certificate().getSerialNumber());

        TestCert after = PKI.issue("order");
        assertThat(source.reload(false, Duration.ofSeconds(5))).startsWith("reloaded");

        // The busy connection finishes its work undisturbed; the idle one is closed at once.
        assertThat(clientSerial(busy)).isEqualTo(before.certificate().getSerialNumber());
        try (Connection fresh = pool.getConnection()) {
            assertThat(clientSerial(fresh)).isEqualTo(after.certificate().getSerialNumber());
        }
        busy.close();
        assertThat(sessionSerials()).containsOnly(after.certificate().getSerialNumber());
    }

    @Test
    void tlsSettingsOfTheirOwnInTheUrlAreRefused() {
        DataSourceFactory database = database("order");
        database.setUrl(POSTGRES.url("order") + "?sslmode=disable");

        assertThatThrownBy(() -> MtlsDatabase.secure(database, () -> source(PKI.tlsFiles("order")),
                Jackson.newObjectMapper(), null))
                .isInstanceOf(SettingException.class)
                .hasMessageStartingWith("database.url: sets sslmode, but with tls.enabled the tls block decides");
    }

    private ManagedDataSource pool(String user, TlsSource source) {
        DataSourceFactory database = MtlsDatabase.secure(database(user), () -> source, Jackson.newObjectMapper(), null);
        ManagedDataSource pool = database.build(new MetricRegistry(), "test-" + user);
        pools.add(pool);
        return pool;
    }

    private static DataSourceFactory database(String user) {
        DataSourceFactory database = new DataSourceFactory();
        database.setDriverClass("org.postgresql.Driver");
        database.setUrl(POSTGRES.url(user));
        database.setUser(user);
        database.setInitialSize(1);
        database.setMinSize(1);
        database.setMaxSize(4);
        database.setProperties(Map.of("connectTimeout", "10"));
        return database;
    }

    private static TlsSource source(TlsFiles files) {
        return FileSource.watching(files).build();
    }

    private static TlsSource source(TlsFiles files, Path crl) {
        return FileSource.watching(files).options(TlsOptions.builder().crl(crl).build()).build();
    }

    /** The serials of the certificates of every session of role order but the one asking. */
    private static List<BigInteger> sessionSerials() throws SQLException {
        try (Connection observer = POSTGRES.connect("order", "order", PKI.ca().leaf("order").issue());
             Statement statement = observer.createStatement();
             ResultSet rows = statement.executeQuery("SELECT s.client_serial FROM pg_stat_ssl s JOIN pg_stat_activity a"
                     + " USING (pid) WHERE a.usename = 'order' AND s.pid <> pg_backend_pid()")) {
            List<BigInteger> serials = new ArrayList<>();
            while (rows.next()) {
                serials.add(rows.getBigDecimal(1).toBigIntegerExact());
            }
            return serials;
        }
    }

    private static long refusedHandshakes() {
        return POSTGRES.log().lines().filter(line -> line.contains("could not accept SSL connection: certificate verify failed"))
                .count();
    }

    private static BigInteger clientSerial(Connection connection) throws SQLException {
        try (Statement statement = connection.createStatement();
             ResultSet row = statement.executeQuery("SELECT client_serial FROM pg_stat_ssl WHERE pid = pg_backend_pid()")) {
            row.next();
            return row.getBigDecimal(1).toBigIntegerExact();
        }
    }

    private static String query(Connection connection, String sql) throws SQLException {
        try (Statement statement = connection.createStatement(); ResultSet row = statement.executeQuery(sql)) {
            row.next();
            return row.getString(1);
        }
    }

    private interface Attempt {
        void run() throws Exception;
    }

    /** The one-line explanation a refused connection carries, as the start-up error prints it. */
    private static SettingException settingException(Attempt attempt) {
        try {
            attempt.run();
        } catch (Exception e) {
            for (Throwable cause = e; cause != null; cause = cause.getCause()) {
                if (cause instanceof SettingException explained) {
                    return explained;
                }
            }
            throw new AssertionError("no SettingException among the causes", e);
        }
        throw new AssertionError("the connection was not refused");
    }
}
