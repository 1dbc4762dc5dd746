package com.tiktokmall.mtls.dropwizard.probes;

import com.codahale.metrics.health.HealthCheck;
import com.tiktokmall.mtls.testing.EchoApplication;
import com.tiktokmall.mtls.testing.MutableClock;
import com.tiktokmall.mtls.testing.Ports;
import com.tiktokmall.mtls.testing.TestPki;
import io.dropwizard.core.Application;
import io.dropwizard.testing.DropwizardTestSupport;
import io.dropwizard.testing.ResourceHelpers;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The plain-HTTP probe port: what kubelet can reach without a client certificate, and nothing more. */
class ProbesTest {
    private static final HttpClient PLAIN = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private final TestPki pki = TestPki.create();
    private final MutableClock clock = MutableClock.startingNow();
    private final int port = Ports.free();
    private DropwizardTestSupport<EchoApplication.EchoConfiguration> app;

    @AfterEach
    void stop() {
        if (app != null) {
            app.after();
        }
    }

    @Test
    void livenessAndReadinessAreBareStatusCodesOverPlainHttp() throws Exception {
        start(pki.tlsSettings("echo"));

        HttpResponse<String> live = get("/livez");
        HttpResponse<String> ready = get("/readyz");

        assertThat(live.statusCode()).isEqualTo(200);
        assertThat(live.body()).isEmpty();
        assertThat(ready.statusCode()).isEqualTo(200);
        assertThat(ready.body()).isEmpty();
        assertThat(live.headers().firstValue("Server")).as("no Server header").isEmpty();
    }

    @Test
    void nothingOfTheAdminPortIsServedThere() throws Exception {
        start(pki.tlsSettings("echo"));

        for (String path : new String[] {"/healthcheck", "/metrics", "/prometheus", "/tasks/reload-tls", "/whoami", "/"}) {
            HttpResponse<String> response = get(path);
            assertThat(response.statusCode()).as(path).isEqualTo(404);
            assertThat(response.body()).as(path).isEmpty();
        }
        HttpResponse<String> post = PLAIN.send(HttpRequest.newBuilder(uri("/readyz"))
                .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(post.statusCode()).isEqualTo(405);
    }

    @Test
    void notReadyWhileAnotherHealthCheckFailsSuchAsTheDatabase() throws Exception {
        start(pki.tlsSettings("echo"));
        app.getEnvironment().healthChecks().register("database", new HealthCheck() {
            @Override
            protected Result check() {
                return Result.unhealthy("the database cannot be reached");
            }
        });

        assertThat(get("/readyz").statusCode()).isEqualTo(503);
        assertThat(get("/livez").statusCode()).as("alive all the same").isEqualTo(200);

        app.getEnvironment().healthChecks().unregister("database");
        assertThat(get("/readyz").statusCode()).isEqualTo(200);
    }

    @Test
    void notReadyOnceTheCertificateInUseHasExpired() throws Exception {
        Instant notAfter = clock.instant().plus(Duration.ofHours(1));
        pki.write("echo", pki.ca().leaf("echo").validity(clock.instant().minusSeconds(60), notAfter).issue());
        start(pki.tlsSettings("echo"));
        assertThat(get("/readyz").statusCode()).isEqualTo(200);

        clock.advance(Duration.between(clock.instant(), notAfter).plusSeconds(1));

        assertThat(get("/readyz").statusCode()).isEqualTo(503);
        assertThat(get("/livez").statusCode()).isEqualTo(200);
    }

    @Test
    void aFailedReloadAloneKeepsThePodReadyWhileTheOldCertificateServes() throws Exception {
        Map<String, String> settings = pki.tlsSettings("echo");
        start(settings);
        java.nio.file.Files.writeString(pki.keyFile("echo"), "not a key\n");
        String answer = com.tiktokmall.mtls.testing.MtlsTestClient.as(pki.issue("ops"), pki.ca())
                .post("https://localhost:" + app.getAdminPort() + "/tasks/reload-tls").body();
        assertThat(answer).startsWith("reload failed");

        assertThat(get("/readyz").statusCode()).isEqualTo(200);
    }

    @Test
    void pastTheConnectionLimitANewProbeWaitsUntilAConnectionCloses() throws Exception {
        Map<String, String> settings = pki.tlsSettings("echo");
        settings.put("probes.max_connections", "4");
        start(settings);
        List<Socket> idle = new ArrayList<>();
        try (Socket probe = new Socket()) {
            for (int i = 0; i < 4; i++) {
                idle.add(new Socket("127.0.0.1", port));
            }
            probe.connect(new InetSocketAddress("127.0.0.1", port)); // the kernel's backlog completes it
            probe.getOutputStream().write("GET /livez HTTP/1.1\r\nHost: probe\r\nConnection: close\r\n\r\n"
                    .getBytes(StandardCharsets.US_ASCII));
            probe.setSoTimeout(1_000);
            assertThatThrownBy(() -> probe.getInputStream().read()).as("answered past the limit")
                    .isInstanceOf(SocketTimeoutException.class);

            idle.remove(0).close();
            probe.setSoTimeout(3_000); // less than the 5 s idle timeout: the freed slot lets it in, not a timeout
            String answer = new String(probe.getInputStream().readAllBytes(), StandardCharsets.US_ASCII);

            assertThat(answer).startsWith("HTTP/1.1 200");
        } finally {
            for (Socket socket : idle) {
                socket.close();
            }
        }
    }

    private void start(Map<String, String> settings) throws Exception {
        settings.put("probes.port", Integer.toString(port));
        settings.put("probes.bind_host", "127.0.0.1");
        app = new DropwizardTestSupport<>(EchoApplication.class, ResourceHelpers.resourceFilePath("echo.yml"),
                TestPki.overrides(settings)) {
            @Override
            public Application<EchoApplication.EchoConfiguration> newApplication() {
                return new EchoApplication(clock); // readiness judges expiry by the service's clock
            }
        };
        app.before();
    }

    private HttpResponse<String> get(String path) throws IOException, InterruptedException {
        return PLAIN.send(HttpRequest.newBuilder(uri(path)).GET().build(), HttpResponse.BodyHandlers.ofString());
    }

    private URI uri(String path) {
        return URI.create("http://127.0.0.1:" + port + path);
    }
}
