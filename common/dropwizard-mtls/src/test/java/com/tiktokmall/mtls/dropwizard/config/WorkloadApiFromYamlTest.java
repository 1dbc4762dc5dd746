package com.tiktokmall.mtls.dropwizard.config;

import com.tiktokmall.mtls.SpiffeId;
import com.tiktokmall.mtls.spiffe.WorkloadApiSource;
import com.tiktokmall.mtls.testing.EchoService;
import com.tiktokmall.mtls.testing.FakeSpireAgent;
import com.tiktokmall.mtls.testing.MtlsTestClient;
import com.tiktokmall.mtls.testing.TestCert;
import com.tiktokmall.mtls.testing.TestPki;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.security.cert.X509Certificate;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.awaitility.Awaitility.await;

/**
 * A service whose YAML says {@code tls.source.type: workload_api} (and no file at all) takes its
 * certificate and trust from the SPIRE agent, and serves mTLS with them.
 */
class WorkloadApiFromYamlTest {
    private static final TestPki PKI = TestPki.create();
    private final FakeSpireAgent agent = FakeSpireAgent.serving("echo", PKI.ca(),
            FakeSpireAgent.socketDirectory().resolve("agent.sock"));

    @AfterEach
    void stop() {
        agent.close();
    }

    @Test
    void servesWithTheSvidOfTheAgent() throws Exception {
        TestCert svid = agent.start().current();
        TestCert gateway = PKI.issue("gateway");

        try (EchoService echo = EchoService.start("echo-workload-api.yml",
                Map.of("tls.source.socket", agent.address().toString()))) {
            assertThat(echo.configuration().getTls().getSource()).isInstanceOf(WorkloadApiSourceFactory.class);
            assertThat(echo.application().mtls.source()).get().isInstanceOf(WorkloadApiSource.class);
            MtlsTestClient.Reply whoami = MtlsTestClient.expecting(SpiffeId.parse("spiffe://tiktokmall.local/echo"),
                    gateway, PKI.ca()).get("https://localhost:" + echo.port() + "/whoami");

            assertThat(whoami.status()).as(whoami.toString()).isEqualTo(200);
            assertThat(whoami.text("identity")).isEqualTo("spiffe://tiktokmall.local/gateway");
            X509Certificate presented = (X509Certificate) whoami.response().sslSession().orElseThrow()
                    .getPeerCertificates()[0];
            assertThat(presented.getSerialNumber()).isEqualTo(svid.certificate().getSerialNumber());
        }
    }

    @Test
    void stoppingTheServiceClosesWhatTheBundleOpened() throws Exception {
        agent.start();
        long checkersBefore = sourceCheckThreads();

        EchoService echo = EchoService.start("echo-workload-api.yml", Map.of("tls.source.socket", agent.address().toString()));
        assertThat(agent.openStreams()).as("the stream the source holds").isEqualTo(1);
        assertThat(sourceCheckThreads()).isEqualTo(checkersBefore + 1);
        echo.close();

        await("the agent's stream and the source's thread end").atMost(10, TimeUnit.SECONDS)
                .until(() -> agent.openStreams() == 0 && sourceCheckThreads() == checkersBefore);
    }

    private static long sourceCheckThreads() {
        return Thread.getAllStackTraces().keySet().stream()
                .filter(thread -> thread.isAlive() && thread.getName().equals("tls-source-check")).count();
    }

    @Test
    void withoutAnAgentStartUpFailsNamingTheSocketSetting() {
        Map<String, String> settings = Map.of("tls.source.socket", agent.address().toString(), "tls.source.timeout", "1s");

        assertThat(catchThrowable(() -> EchoService.start("echo-workload-api.yml", settings)))
                .hasMessageStartingWith("tls.source.socket: there is no socket at " + agent.address().getPath());
    }
}
