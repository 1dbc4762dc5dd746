package com.tiktokmall.mtls.dropwizard.db;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.tiktokmall.mtls.dropwizard.MtlsBundle;
import com.tiktokmall.mtls.dropwizard.config.MtlsConfiguration;
import com.tiktokmall.mtls.testing.FakeSpireAgent;
import com.tiktokmall.mtls.testing.TestCert;
import com.tiktokmall.mtls.testing.TestPki;
import io.dropwizard.db.DataSourceFactory;
import io.dropwizard.jackson.Jackson;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The {@code db} commands build the database connection without running the service: from the
 * {@code tls} files, or from the first SVID of the Workload API.
 */
class DatabaseForCommandsTest {
    private static final ObjectMapper MAPPER = Jackson.newObjectMapper();
    private static final TestPki PKI = TestPki.create();

    @Test
    void theFilesOfTheTlsBlockAreRead() {
        TestCert order = PKI.issue("order");

        assertThat(clientSerial(configuration(PKI.tlsSettings("order")))).isEqualTo(order.certificate().getSerialNumber());
    }

    @Test
    void withTheWorkloadApiTheFirstSvidIsTakenAndTheStreamEnded() throws IOException {
        Path sockets = FakeSpireAgent.socketDirectory();
        try (FakeSpireAgent agent = FakeSpireAgent.serving("order", PKI.ca(), sockets.resolve("agent.sock"))) {
            TestCert svid = agent.start().current();
            Map<String, String> settings = new HashMap<>();
            settings.put("tls.enabled", "true");
            settings.put("tls.source.type", "workload_api");
            settings.put("tls.source.socket", agent.address().toString());

            assertThat(clientSerial(configuration(settings))).isEqualTo(svid.certificate().getSerialNumber());
            await("the stream ended: nothing is watched").atMost(5, TimeUnit.SECONDS).until(() -> agent.openStreams() == 0);
        } finally {
            Files.deleteIfExists(sockets);
        }
    }

    @Test
    void withoutTlsTheDatabaseIsLeftAsItIs() {
        DataSourceFactory database = postgres();

        assertThat(MtlsBundle.create().database(configuration(Map.of("tls.enabled", "false")), database))
                .isSameAs(database);
    }

    /** The serial of the client certificate the secured database connection presents. */
    private static BigInteger clientSerial(MtlsConfiguration configuration) {
        DataSourceFactory secured = MtlsBundle.create().database(configuration, postgres());

        DatabaseTls registered = DatabaseTls.registered(secured.getProperties().get("sslfactoryarg"));
        registered.unregister();
        return registered.source().current().client().identity().certificate().getSerialNumber();
    }

    /** A configuration with {@code settings} (dotted keys, as {@code -Ddw.} overrides name them). */
    private static MtlsConfiguration configuration(Map<String, String> settings) {
        ObjectNode root = MAPPER.createObjectNode();
        settings.forEach((key, value) -> {
            ObjectNode node = root;
            String[] path = key.split("\\.");
            for (int i = 0; i < path.length - 1; i++) {
                node = node.has(path[i]) ? (ObjectNode) node.get(path[i]) : node.putObject(path[i]);
            }
            node.put(path[path.length - 1], value);
        });
        return MAPPER.convertValue(root, MtlsConfiguration.class);
    }

    private static DataSourceFactory postgres() {
        DataSourceFactory database = new DataSourceFactory();
        database.setDriverClass("org.postgresql.Driver");
        database.setUrl("jdbc:postgresql://localhost:55432/order");
        database.setUser("order");
        return database;
    }
}
