package com.tiktokmall.mtls.dropwizard.client;

import com.tiktokmall.mtls.dropwizard.config.ServiceClientConfiguration;
import com.tiktokmall.mtls.testing.EchoService;
import com.tiktokmall.mtls.testing.TestPki;
import io.dropwizard.client.JerseyClientConfiguration;
import io.dropwizard.util.Duration;
import jakarta.ws.rs.ProcessingException;
import jakarta.ws.rs.client.Entity;
import jakarta.ws.rs.client.WebTarget;
import jakarta.ws.rs.core.Response;
import org.eclipse.jetty.server.Connector;
import org.eclipse.jetty.server.ServerConnector;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * The services' clients send a call once more when its pooled connection turns out closed by the
 * server before any response. Here the server closes idle connections after a second (its idle
 * timeout) while the clients keep them for a minute and never check them before reuse: the next
 * call goes out on a closed connection.
 */
class ClientRetryTest {
    private static final TestPki PKI = TestPki.create();
    private static EchoService app;

    @BeforeAll
    static void start() throws Exception {
        Map<String, String> settings = PKI.tlsSettings("echo");
        settings.put("server.applicationConnectors[0].idleTimeout", "1s");
        app = EchoService.start("echo.yml", settings);
    }

    @AfterAll
    static void stop() {
        app.close();
    }

    @Test
    void aGetOnAPooledConnectionTheServerClosedIsSentOnceMore() {
        WebTarget echo = app.application().mtls.clientBuilder(app.environment()).using(keptAMinute(new JerseyClientConfiguration()))
                .build("get-retried").target(url());
        assertThat(status(echo.path("/whoami"))).isEqualTo(200);
        long retries = retries();
        awaitServerClosedIdleConnections();

        assertThat(status(echo.path("/whoami"))).isEqualTo(200);
        assertThat(retries() - retries).isEqualTo(1);
    }

    @Test
    void aPostIsNotSentAgainByAClientThatDoesNotKnowItIdempotent() {
        JerseyClientConfiguration buffered = keptAMinute(new JerseyClientConfiguration());
        buffered.setChunkedEncodingEnabled(false);
        WebTarget echo = app.application().mtls.clientBuilder(app.environment()).using(buffered)
                .build("post-not-retried").target(url());
        assertThat(status(echo.path("/whoami"))).isEqualTo(200);
        long retries = retries();
        awaitServerClosedIdleConnections();

        assertThatThrownBy(() -> echo.path("/whoami/echo").request().post(Entity.json(Map.of("count", 1))).close())
                .isInstanceOf(ProcessingException.class);
        assertThat(retries() - retries).isZero();
    }

    @Test
    void theClientOfAServiceOfThisSystemSendsAPostAgain() {
        ServiceClientConfiguration block = new ServiceClientConfiguration(url());
        keptAMinute(block.getClient()); // chunkedEncodingEnabled stays false, the block's default
        WebTarget echo = app.application().mtls.client(app.environment(), "echo", block);
        assertThat(status(echo.path("/whoami"))).isEqualTo(200);
        long retries = retries();
        awaitServerClosedIdleConnections();

        try (Response response = echo.path("/whoami/echo").request().post(Entity.json(Map.of("count", 1)))) {
            assertThat(response.getStatus()).isEqualTo(200);
        }
        assertThat(retries() - retries).isEqualTo(1);
    }

    /** A GET's status, its answer read so that its connection goes back to the pool. */
    private static int status(WebTarget target) {
        try (Response response = target.request().get()) {
            response.readEntity(String.class);
            return response.getStatus();
        }
    }

    /** Pooled for a minute and never checked before reuse, unless a closed one was just found. */
    private static JerseyClientConfiguration keptAMinute(JerseyClientConfiguration configuration) {
        configuration.setKeepAlive(Duration.minutes(1));
        configuration.setValidateAfterInactivityPeriod(Duration.minutes(1));
        configuration.setTimeout(Duration.seconds(10));
        configuration.setConnectionTimeout(Duration.seconds(5));
        configuration.setGzipEnabled(false);
        configuration.setGzipEnabledForRequests(false);
        return configuration;
    }

    /** The server has closed every connection of its application port: its idle timeout ran out. */
    private static void awaitServerClosedIdleConnections() {
        await().atMost(30, TimeUnit.SECONDS).until(() -> applicationConnector().getConnectedEndPoints().isEmpty());
    }

    private static ServerConnector applicationConnector() {
        for (Connector connector : app.environment().getApplicationContext().getServer().getConnectors()) {
            if (connector instanceof ServerConnector server && server.getLocalPort() == app.port()) {
                return server;
            }
        }
        throw new AssertionError("no connector on port " + app.port());
    }

    private static long retries() {
        return app.environment().metrics().meter("tls.client.retries").getCount();
    }

    private static URI url() {
        return URI.create("https://localhost:" + app.port());
    }
}
