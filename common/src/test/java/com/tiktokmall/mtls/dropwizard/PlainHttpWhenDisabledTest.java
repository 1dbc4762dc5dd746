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

import java.io.IOException;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code tls.enabled: false} is the one way to plain HTTP, and needs no certificate files. */
@ExtendWith(DropwizardExtensionsSupport.class)
class PlainHttpWhenDisabledTest {
    private static final DropwizardAppExtension<EchoApplication.EchoConfiguration> APP = new DropwizardAppExtension<>(
            EchoApplication.class, ResourceHelpers.resourceFilePath("echo.yml"), ConfigOverride.config("tls.enabled", "false"));

    @Test
    void servesPlainHttpOnEveryConnector() throws IOException {
        assertThat(RawHttps.getPlain(APP.getLocalPort(), "/whoami")).startsWith("HTTP/1.1 200").contains("\"secure\":false");
        assertThat(RawHttps.getPlain(APP.getAdminPort(), "/healthcheck")).startsWith("HTTP/1.1 ");
    }

    @Test
    void clientsSpeakPlainHttpToo() {
        Map<String, Object> answer = APP.<EchoApplication>getApplication().mtls.clientBuilder(APP.getEnvironment())
                .build("plain-test")
                .target("http://localhost:" + APP.getLocalPort() + "/whoami").request().get(new GenericType<Map<String, Object>>() { });

        assertThat(answer).containsEntry("secure", false);
    }
}
