package com.tiktokmall.mtls.dropwizard.db;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** H2 would create its directory 0755 and its files 0644: the service's data, readable by anyone. */
class PrivateH2FilesTest {
    @TempDir
    Path dir;

    @Test
    void aMissingDirectoryIsCreated0700AndTheDatabaseFile0600BeforeH2OpensIt() throws Exception {
        Path data = dir.resolve("data");

        PrivateH2Files.prepare("jdbc:h2:" + data.resolve("order") + ";DB_CLOSE_ON_EXIT=FALSE");

        assertThat(mode(data)).isEqualTo("rwx------");
        assertThat(mode(data.resolve("order.mv.db"))).isEqualTo("rw-------");
        assertThat(Files.size(data.resolve("order.mv.db"))).isZero();
    }

    @Test
    void theTraceWhereH2WritesSqlErrorsStaysOwnerOnly() throws Exception {
        String url = "jdbc:h2:" + dir.resolve("auth") + ";DB_CLOSE_ON_EXIT=FALSE";
        PrivateH2Files.prepare(url);

        try (Connection connection = DriverManager.getConnection(url, "sa", "")) {
            assertThatThrownBy(() -> connection.createStatement().execute("SELECT * FROM no_such_table"))
                    .isInstanceOf(SQLException.class);
        }

        Path trace = dir.resolve("auth.trace.db");
        assertThat(Files.readString(trace)).as("what H2 wrote to its trace").contains("NO_SUCH_TABLE");
        assertThat(mode(trace)).isEqualTo("rw-------");
    }

    @Test
    void existingDatabaseFilesAreMade0600() throws Exception {
        Path database = Files.createFile(dir.resolve("auth.mv.db"));
        Path trace = Files.createFile(dir.resolve("auth.trace.db"));
        Files.setPosixFilePermissions(database, PosixFilePermissions.fromString("rw-r--r--"));
        Files.setPosixFilePermissions(trace, PosixFilePermissions.fromString("rw-r--r--"));

        PrivateH2Files.prepare("jdbc:h2:file:" + dir.resolve("auth"));

        assertThat(mode(database)).isEqualTo("rw-------");
        assertThat(mode(trace)).isEqualTo("rw-------");
    }

    @Test
    void onlyLocalH2FilesAreTouched() {
        assertThat(PrivateH2Files.baseOf("jdbc:h2:./data/auth;DB_CLOSE_ON_EXIT=FALSE")).isEqualTo(Path.of("./data/auth"));
        assertThat(PrivateH2Files.baseOf("jdbc:h2:file:/var/lib/order")).isEqualTo(Path.of("/var/lib/order"));
        assertThat(PrivateH2Files.baseOf("jdbc:h2:~/order")).isEqualTo(Path.of(System.getProperty("user.home"), "order"));
        assertThat(PrivateH2Files.baseOf("jdbc:h2:mem:test")).isNull();
        assertThat(PrivateH2Files.baseOf("jdbc:h2:tcp://localhost/order")).isNull();
        assertThat(PrivateH2Files.baseOf("jdbc:postgresql://localhost:55432/order")).isNull();
    }

    @Test
    void aPostgresqlUrlCreatesNothing() throws Exception {
        PrivateH2Files.prepare("jdbc:postgresql://127.0.0.1:55432/order?sslmode=verify-full&sslcert="
                + dir.resolve("order-cert.pem"));

        try (var files = Files.list(dir)) {
            assertThat(files).isEmpty();
        }
    }

    private static String mode(Path path) throws Exception {
        return PosixFilePermissions.toString(Files.getPosixFilePermissions(path));
    }
}
