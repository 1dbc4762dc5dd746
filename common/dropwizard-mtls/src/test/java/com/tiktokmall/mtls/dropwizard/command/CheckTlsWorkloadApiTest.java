package com.tiktokmall.mtls.dropwizard.command;

import com.tiktokmall.mtls.testing.CommandRunner;
import com.tiktokmall.mtls.testing.EchoApplication;
import com.tiktokmall.mtls.testing.FakeSpireAgent;
import com.tiktokmall.mtls.testing.TestCert;
import com.tiktokmall.mtls.testing.TestPki;
import io.dropwizard.testing.ResourceHelpers;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** check-tls with tls.source.type: workload_api reports the SVID and bundle fetched from the socket, or fails in one line. */
class CheckTlsWorkloadApiTest {
    private static final String CONFIG = ResourceHelpers.resourceFilePath("echo.yml");
    private static final TestPki PKI = TestPki.create();
    private final Path sockets = FakeSpireAgent.socketDirectory();
    private final FakeSpireAgent agent = FakeSpireAgent.serving("echo", PKI.ca(), sockets.resolve("agent.sock"));

    @AfterEach
    void stop() {
        agent.close();
    }

    @Test
    void reportsTheSvidAndTheBundleFromTheSocket() {
        TestCert svid = agent.start().current();

        CommandRunner.Result check = CommandRunner.run(new EchoApplication(), settings(agent.address().toString()),
                "check-tls", CONFIG);

        assertThat(check.error()).isEmpty();
        assertThat(check.stdout())
                .contains("tls.source  the Workload API at " + agent.address())
                .contains("SVID", "SANs     URI:spiffe://tiktokmall.local/echo", "identity spiffe://tiktokmall.local/echo")
                .contains("serial   " + svid.certificate().getSerialNumber().toString(16))
                .contains("valid    ", "EKU      serverAuth, clientAuth", "key      EC P-256, matches the SVID")
                .contains("bundle of tiktokmall.local", "CA       'TikTokMall Test CA', EC P-256")
                .contains("as server", "as client", "OK       valid now, leads to a CA of the bundle")
                .endsWith("OK: the tls block is good" + System.lineSeparator());
    }

    @Test
    void failsInOneLineWithoutASocket() {
        Map<String, String> settings = settings("unix://" + sockets.resolve("none.sock"));
        settings.put("tls.source.timeout", "1s");

        CommandRunner.Result check = CommandRunner.run(new EchoApplication(), settings, "check-tls", CONFIG);

        assertThat(check.error()).isPresent();
        assertThat(check.stderr().strip())
                .startsWith("check-tls failed: tls.source.socket: there is no socket at " + sockets.resolve("none.sock"))
                .doesNotContain("\n");
    }

    /** No file setting at all: the source names the agent's socket. */
    private static Map<String, String> settings(String socket) {
        Map<String, String> settings = new HashMap<>();
        settings.put("tls.source.type", "workload_api");
        settings.put("tls.source.socket", socket);
        return settings;
    }
}
