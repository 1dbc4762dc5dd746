package com.tiktokmall.mtls.dropwizard.client;

import com.codahale.metrics.Meter;
import com.tiktokmall.mtls.testing.EchoApplication;
import com.tiktokmall.mtls.testing.TestPki;
import io.dropwizard.client.JerseyClientConfiguration;
import io.dropwizard.core.setup.Environment;
import io.dropwizard.testing.ResourceHelpers;
import io.dropwizard.testing.junit5.DropwizardAppExtension;
import io.dropwizard.testing.junit5.DropwizardExtensionsSupport;
import io.dropwizard.util.Duration;
import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.client.Client;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.GenericType;
import jakarta.ws.rs.core.MediaType;
import jakarta.servlet.http.HttpServletRequest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * How the mTLS client pools its connections: one handshake for many calls with keep-alive, one
 * per call without, and no reuse of a connection made under material that a reload replaced.
 * Connections are told apart by the client port the server sees.
 */
@ExtendWith(DropwizardExtensionsSupport.class)
class MtlsClientPoolTest {
    private static final TestPki PKI = TestPki.create();
    private static final DropwizardAppExtension<EchoApplication.EchoConfiguration> APP = new DropwizardAppExtension<>(
            HoldingEchoApplication.class, ResourceHelpers.resourceFilePath("echo.yml"), PKI.tlsOverrides("echo"));
    private static final GenericType<Map<String, Object>> JSON = new GenericType<>() { };

    @Test
    void withKeepAliveSequentialCallsShareOneConnectionAndOneHandshake() {
        Client client = client("keep-alive", Duration.seconds(10));
        long before = handshakes().getCount();
        long acceptedBefore = accepted().getCount();

        Object first = call(client, "/whoami").get("remote_port");
        Object second = call(client, "/whoami").get("remote_port");
        Object third = call(client, "/whoami").get("remote_port");

        assertThat(second).isEqualTo(first);
        assertThat(third).isEqualTo(first);
        assertThat(handshakes().getCount() - before).isEqualTo(1);
        assertThat(accepted().getCount() - acceptedBefore).as("handshakes the server counted").isEqualTo(1);
        client.close();
    }

    @Test
    void withoutKeepAliveEveryCallPaysAHandshake() {
        Client client = client("no-keep-alive", Duration.milliseconds(0));
        long before = handshakes().getCount();

        Object first = call(client, "/whoami").get("remote_port");
        Object second = call(client, "/whoami").get("remote_port");

        assertThat(second).isNotEqualTo(first);
        assertThat(handshakes().getCount() - before).isEqualTo(2);
        client.close();
    }

    @Test
    void aConnectionMadeBeforeAReloadIsNotReusedAfterIt() throws Exception {
        Client client = client("across-reload", Duration.seconds(10));
        Object before = call(client, "/whoami").get("remote_port");
        HoldResource.reset();

        CompletableFuture<Map<String, Object>> inFlight = CompletableFuture.supplyAsync(() -> call(client, "/hold"));
        assertThat(HoldResource.arrived.await(10, TimeUnit.SECONDS)).isTrue();
        assertThat(mtls().source().orElseThrow().reload(true, java.time.Duration.ofSeconds(10))).startsWith("reloaded");
        HoldResource.release.countDown();
        Object held = inFlight.get(10, TimeUnit.SECONDS).get("remote_port");
        Object after = call(client, "/whoami").get("remote_port");

        assertThat(held).as("the call in flight used the pooled connection").isEqualTo(before);
        assertThat(after).as("the next call opened a new one").isNotEqualTo(before);
        client.close();
    }

    @Test
    void aReloadClosesIdlePooledConnections() {
        Client client = client("idle-across-reload", Duration.seconds(10));
        Object before = call(client, "/whoami").get("remote_port");

        mtls().source().orElseThrow().reload(true, java.time.Duration.ofSeconds(10));
        Object after = call(client, "/whoami").get("remote_port");

        assertThat(after).isNotEqualTo(before);
        client.close();
    }

    private static Map<String, Object> call(Client client, String path) {
        return client.target("https://localhost:" + APP.getLocalPort() + path).request().get(JSON);
    }

    private static Client client(String name, Duration keepAlive) {
        JerseyClientConfiguration configuration = new JerseyClientConfiguration();
        configuration.setKeepAlive(keepAlive);
        configuration.setTimeout(Duration.seconds(10));
        configuration.setConnectionTimeout(Duration.seconds(5));
        return mtls().clientBuilder(APP.getEnvironment()).using(configuration).build(name);
    }

    private static Meter handshakes() {
        Environment environment = APP.getEnvironment();
        return environment.metrics().meter("tls.client.handshakes");
    }

    private static Meter accepted() {
        return APP.getEnvironment().metrics().meter("tls.handshakes.succeeded");
    }

    private static com.tiktokmall.mtls.dropwizard.MtlsBundle<EchoApplication.EchoConfiguration> mtls() {
        return APP.<EchoApplication>getApplication().mtls;
    }

    /** The echo service, plus a call that stays in flight until the test lets it go. */
    public static class HoldingEchoApplication extends EchoApplication {
        @Override
        public void run(EchoConfiguration configuration, Environment environment) {
            super.run(configuration, environment);
            environment.jersey().register(new HoldResource());
        }
    }

    @Path("/hold")
    @Produces(MediaType.APPLICATION_JSON)
    public static class HoldResource {
        static volatile CountDownLatch arrived = new CountDownLatch(1);
        static volatile CountDownLatch release = new CountDownLatch(1);

        static void reset() {
            arrived = new CountDownLatch(1);
            release = new CountDownLatch(1);
        }

        @GET
        @RolesAllowed("echo")
        public Map<String, Object> hold(@Context HttpServletRequest request) throws InterruptedException {
            arrived.countDown();
            release.await(10, TimeUnit.SECONDS);
            return Map.of("remote_port", request.getRemotePort());
        }
    }
}
