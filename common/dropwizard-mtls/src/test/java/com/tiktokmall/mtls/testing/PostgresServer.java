package com.tiktokmall.mtls.testing;

import org.bouncycastle.openssl.jcajce.JcaPKCS8Generator;
import org.bouncycastle.util.io.pem.PemGenerationException;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ConditionEvaluationResult;
import org.junit.jupiter.api.extension.ExecutionCondition;
import org.junit.jupiter.api.extension.ExtensionContext;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.cert.X509Certificate;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;

/**
 * A real PostgreSQL 15 for one test class, started by {@code scripts/postgres.sh} on a free
 * loopback port in a throw-away data directory, trusting the test CA of a {@link TestPki} (its
 * server certificate is issued from that CA too), and stopped after the class.
 *
 * <pre>{@code
 * static final TestPki PKI = TestPki.create();
 * @RegisterExtension
 * static final PostgresServer POSTGRES = PostgresServer.trusting(PKI);
 * }</pre>
 *
 * <p>Without the PostgreSQL 15 binaries the class is skipped, saying so, unless the environment
 * variable {@value #REQUIRE} is set (as CI sets it): then the script installs them (as root) or
 * the class fails.
 */
public final class PostgresServer implements ExecutionCondition, BeforeAllCallback, AfterAllCallback {
    public static final String REQUIRE = "MTLS_REQUIRE_POSTGRES";
    private static final Path BINARIES = Path.of("/usr/lib/postgresql/15/bin/postgres");

    private final TestPki pki;
    private final Path home;
    private Thread stopOnExit;
    private int port;

    private PostgresServer(TestPki pki) {
        this.pki = pki;
        // Not made here: the script makes it so that the server's own user may pass through it.
        this.home = Path.of(System.getProperty("java.io.tmpdir"), "tiktokmall-pg-" + UUID.randomUUID().toString()
                .substring(0, 8));
    }

    /** A server whose certificate comes from {@code pki}'s CA, and which trusts only that CA. */
    public static PostgresServer trusting(TestPki pki) {
        return new PostgresServer(pki);
    }

    @Override
    public ConditionEvaluationResult evaluateExecutionCondition(ExtensionContext context) {
        if (Files.isExecutable(BINARIES) || System.getenv(REQUIRE) != null) {
            return ConditionEvaluationResult.enabled("PostgreSQL 15 is installed, or required by " + REQUIRE);
        }
        return ConditionEvaluationResult.disabled("PostgreSQL 15 is not installed (" + BINARIES + " is missing), so the"
                + " tests against PostgreSQL are skipped; install it (scripts/postgres.sh install, as root) or set "
                + REQUIRE + "=1 to make its absence a failure");
    }

    @Override
    public void beforeAll(ExtensionContext context) {
        writeCaKey();
        port = Ports.free();
        stopOnExit = new Thread(this::stop, "stop-test-postgres");
        Runtime.getRuntime().addShutdownHook(stopOnExit);
        start();
    }

    /**
     * Makes the running server present {@code certificate} (from {@code pki}'s CA, valid for more
     * than a day) to new connections: the script copies it in and reloads.
     */
    public void serve(TestCert certificate) {
        pki.write("postgres", certificate);
        start();
        // The script reloads the server with a signal; wait until new connections get the certificate.
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!certificate.certificate().equals(servedCertificate())) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("the server does not present the new certificate after 10 s");
            }
            sleep(100);
        }
    }

    /** The certificate the server presents to a new connection now. */
    private X509Certificate servedCertificate() {
        AtomicReference<X509Certificate> served = new AtomicReference<>();
        X509TrustManager recorder = new X509TrustManager() {
            @Override
            public void checkClientTrusted(X509Certificate[] chain, String authType) {
                throw new UnsupportedOperationException("a client's trust manager");
            }

            @Override
            public void checkServerTrusted(X509Certificate[] chain, String authType) {
                served.set(chain[0]);
            }

            @Override
            public X509Certificate[] getAcceptedIssuers() {
                return new X509Certificate[0];
            }
        };
        try {
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(null, new TrustManager[] {recorder}, null);
            connect(context, "order", "order").close();
        } catch (SQLException expected) {
            // no client certificate: refused once the server has shown its own
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
        return served.get();
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private void start() {
        script("start", "--data", data().toString(), "--port", Integer.toString(port), "--certs",
                pki.dir().toString(), "--no-sync");
    }

    @Override
    public void afterAll(ExtensionContext context) {
        if (stopOnExit != null) {
            Runtime.getRuntime().removeShutdownHook(stopOnExit);
            stop();
        }
    }

    public int port() {
        return port;
    }

    /** The JDBC URL of one of the databases, {@code auth} or {@code order}. */
    public String url(String database) {
        return "jdbc:postgresql://localhost:" + port + "/" + database;
    }

    /** The {@code database.*} settings of a service that logs in as its own role into its own database. */
    public Map<String, String> databaseSettings(String service) {
        Map<String, String> settings = new LinkedHashMap<>();
        settings.put("database.driverClass", "org.postgresql.Driver");
        settings.put("database.url", url(service));
        settings.put("database.user", service);
        settings.put("database.password", "");
        return settings;
    }

    /** The server's log: one line per connection, naming the certificate that logged in. */
    public String log() {
        try {
            return Files.readString(data().resolve("server.log"), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * A connection made by pgjdbc with a plain JSSE context of the test's choosing, without any of
     * this project's code or checks: for clients the server is meant to refuse (and one it admits).
     * The server's certificate is checked against {@code pki}'s CA, {@code sslmode=verify-full}.
     *
     * @param client the certificate to present whatever the server asks for, or {@code null} for none
     */
    public Connection connect(String database, String user, TestCert client) throws SQLException {
        return connect(client == null ? TestCert.anonymousClientContext(pki.ca().certificate())
                : client.rawClientContext(pki.ca().certificate()), database, user);
    }

    private Connection connect(SSLContext context, String database, String user) throws SQLException {
        Properties properties = new Properties();
        properties.setProperty("user", user);
        properties.setProperty("sslmode", "verify-full");
        properties.setProperty("sslfactory", RawPgSocketFactory.class.getName());
        properties.setProperty("sslfactoryarg", RawPgSocketFactory.register(context));
        properties.setProperty("connectTimeout", "10");
        return DriverManager.getConnection(url(database), properties);
    }

    private Path data() {
        return home.resolve("data");
    }

    private void writeCaKey() {
        Path key = pki.dir().resolve("ca-key.pem");
        if (!Files.exists(key)) {
            try {
                TestCert.writePem(key, new JcaPKCS8Generator(pki.ca().privateKey(), null));
            } catch (PemGenerationException e) {
                throw new IllegalStateException(e);
            }
        }
    }

    private void stop() {
        try {
            if (Files.exists(data())) {
                script("stop", "--data", data().toString());
            }
        } finally {
            deleteHome();
        }
    }

    private void deleteHome() {
        if (!Files.exists(home)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(home)) {
            for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(path);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot delete " + home, e);
        }
    }

    private static void script(String... args) {
        List<String> command = new ArrayList<>(List.of("bash", script().toString()));
        command.addAll(List.of(args));
        try {
            Path output = Files.createTempFile("postgres-sh-", ".log");
            Process process = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(output.toFile())
                    .start();
            // An apt-get install of PostgreSQL may take minutes; a start normally takes seconds.
            boolean done = process.waitFor(10, TimeUnit.MINUTES);
            String printed = Files.readString(output);
            Files.delete(output);
            if (!done) {
                process.destroyForcibly();
                throw new IllegalStateException(String.join(" ", command) + " did not finish:\n" + printed);
            }
            if (process.exitValue() != 0) {
                throw new IllegalStateException(String.join(" ", command) + " failed with exit code "
                        + process.exitValue() + ":\n" + printed);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** scripts/postgres.sh of this repository; tests run from a module's directory. */
    private static Path script() {
        for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            Path script = dir.resolve("scripts/postgres.sh");
            if (Files.isRegularFile(script)) {
                return script;
            }
        }
        throw new IllegalStateException("scripts/postgres.sh not found above " + Path.of("").toAbsolutePath());
    }
}
