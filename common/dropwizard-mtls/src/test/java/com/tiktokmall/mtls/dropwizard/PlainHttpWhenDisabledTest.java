package com.tiktokmall.mtls.dropwizard;

import com.tiktokmall.mtls.testing.EchoApplication;
import com.tiktokmall.mtls.testing.RawHttps;
import io.dropwizard.testing.ConfigOverride;
import io.dropwizard.testing.ResourceHelpers;
import io.dropwizard.testing.junit5.DropwizardAppExtension;
import io.dropwizard.testing.junit5.DropwizardExtensionsSupport;
import jakarta.ws.rs.core.GenericType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code tls.enabled: false} is the one way to plain HTTP, and needs no certificate files. */
@ExtendWith(DropwizardExtensionsSupport.class)
class PlainHttpWhenDisabledTest {
    private static final DropwizardAppExtension<EchoApplication.EchoConfiguration> APP = new DropwizardAppExtension<>(
            EchoApplication.class, ResourceHelpers.resourceFilePath("echo.yml"), ConfigOverride.config("tls.enabled", "false"));

    @Test
    void servesPlainHttpOnEveryConnector() {
        RawHttps.Response whoami = RawHttps.plainAnswer(APP.getLocalPort(), "/whoami");
        assertThat(whoami.status()).as(whoami.toString()).isEqualTo(200);
        assertThat(whoami.json().path("secure").asBoolean(true)).isFalse();
        assertThat(whoami.json().path("identity").asText()).isEqualTo("unidentified(plain HTTP caller)");
        RawHttps.Response health = RawHttps.plainAnswer(APP.getAdminPort(), "/healthcheck");
        assertThat(health.status()).as(health.toString()).isEqualTo(200);
        assertThat(health.json().path("deadlocks").path("healthy").asBoolean()).as(health.toString()).isTrue();
        assertThat(health.json().has("tls")).as("no tls health check without TLS").isFalse();
    }

    @Test
    void clientsSpeakPlainHttpToo() {
        Map<String, Object> answer = APP.<EchoApplication>getApplication().mtls.clientBuilder(APP.getEnvironment())
                .build("plain-test")
                .target("http://localhost:" + APP.getLocalPort() + "/whoami").request().get(new GenericType<Map<String, Object>>() { });

        assertThat(answer).containsEntry("secure", false);
    }
}
