package com.tiktokmall.auth;

import io.dropwizard.configuration.FileConfigurationSourceProvider;
import io.dropwizard.configuration.YamlConfigurationFactory;
import io.dropwizard.jackson.Jackson;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/** auth's requests are small, so its body limit defaults to 16 KiB, whatever else limits says. */
class AuthConfigurationTest {
    /** Without validation: only the limits block is given. */
    private final YamlConfigurationFactory<AuthConfiguration> factory = new YamlConfigurationFactory<>(
            AuthConfiguration.class, null, Jackson.newObjectMapper(), "dw");

    @TempDir
    Path dir;

    @Test
    void theBodyLimitDefaultsTo16KibAlsoWhenTheLimitsBlockSetsSomethingElse() throws Exception {
        Path yaml = Files.writeString(dir.resolve("auth.yml"), "limits:\n  max_connections: 5\n");

        AuthConfiguration configuration = factory.build(new FileConfigurationSourceProvider(), yaml.toString());

        assertThat(configuration.getLimits().getMaxRequestBody()).isEqualTo(16 * 1024);
        assertThat(configuration.getLimits().getMaxConnections()).isEqualTo(5);
        Path noLimits = Files.writeString(dir.resolve("plain.yml"), "tls:\n  enabled: false\n");
        assertThat(factory.build(new FileConfigurationSourceProvider(), noLimits.toString()).getLimits()
                .getMaxRequestBody()).isEqualTo(16 * 1024);
    }

    @Test
    void theYamlStillDecides() throws Exception {
        Path yaml = Files.writeString(dir.resolve("auth.yml"), "limits:\n  max_request_body: 4KiB\n");

        assertThat(factory.build(new FileConfigurationSourceProvider(), yaml.toString()).getLimits().getMaxRequestBody())
                .isEqualTo(4 * 1024);
    }
}
