package com.tiktokmall.auth;

import io.dropwizard.configuration.ConfigurationValidationException;
import io.dropwizard.configuration.FileConfigurationSourceProvider;
import io.dropwizard.configuration.YamlConfigurationFactory;
import io.dropwizard.jackson.Jackson;
import io.dropwizard.jersey.validation.Validators;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** auth's own settings: its body limit defaults to 16 KiB, whatever else limits says; the tokens block's bounds. */
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

    @Test
    void theRateLimitAndPurgeIntervalDefaultsAndOverrides() throws Exception {
        Path yaml = Files.writeString(dir.resolve("auth.yml"), "tokens:\n  issuer: x\n");

        TokensConfiguration defaults = factory.build(new FileConfigurationSourceProvider(), yaml.toString()).getTokens();
        assertThat(defaults.getRateLimit().getPerSecond()).isEqualTo(50);
        assertThat(defaults.getRateLimit().getBurst()).isEqualTo(100);
        assertThat(defaults.getPurgeInterval()).isEqualTo(java.time.Duration.ofMinutes(10));

        System.setProperty("dw.tokens.rate_limit.per_second", "7");
        try {
            assertThat(factory.build(new FileConfigurationSourceProvider(), yaml.toString()).getTokens().getRateLimit()
                    .getPerSecond()).isEqualTo(7);
        } finally {
            System.clearProperty("dw.tokens.rate_limit.per_second");
        }
    }

    @Test
    void theRateLimitAndPurgeIntervalAreBounded() throws Exception {
        YamlConfigurationFactory<AuthConfiguration> validating = new YamlConfigurationFactory<>(
                AuthConfiguration.class, Validators.newValidator(), Jackson.newObjectMapper(), "dw");
        Path yaml = Files.writeString(dir.resolve("auth.yml"), """
                tls:
                  enabled: false
                tokens:
                  rate_limit: {per_second: 0, burst: 100001}
                  purge_interval: 500ms
                """);

        assertThatThrownBy(() -> validating.build(new FileConfigurationSourceProvider(), yaml.toString()))
                .isInstanceOf(ConfigurationValidationException.class)
                .hasMessageContaining("tokens.rateLimit.perSecond must be greater than or equal to 1")
                .hasMessageContaining("tokens.rateLimit.burst must be less than or equal to 100000")
                .hasMessageContaining("tokens.purgeInterval must be greater than or equal to 1 SECONDS");
        Path good = Files.writeString(dir.resolve("good.yml"), """
                tls:
                  enabled: false
                tokens:
                  rate_limit: {per_second: 1, burst: 1}
                  purge_interval: 1s
                database:
                  driverClass: org.h2.Driver
                  url: jdbc:h2:mem:x
                """);
        assertThat(validating.build(new FileConfigurationSourceProvider(), good.toString()).getTokens()
                .getRateLimit().getBurst()).isEqualTo(1);
    }
}
