package com.tiktokmall.mtls.dropwizard.config;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.tiktokmall.mtls.MtlsContext;
import com.tiktokmall.mtls.testing.EchoApplication;
import io.dropwizard.configuration.ConfigurationValidationException;
import io.dropwizard.configuration.ResourceConfigurationSourceProvider;
import io.dropwizard.configuration.YamlConfigurationFactory;
import io.dropwizard.jackson.Jackson;
import io.dropwizard.jersey.validation.Validators;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class TlsConfigurationTest {
    private final ObjectMapper mapper = Jackson.newObjectMapper();
    private final YamlConfigurationFactory<EchoApplication.EchoConfiguration> factory = new YamlConfigurationFactory<>(
            EchoApplication.EchoConfiguration.class, Validators.newValidator(), mapper, "dw");

    @AfterEach
    void clearOverrides() {
        System.clearProperty("dw.tls.enabled");
        for (String file : new String[] {"ca_cert", "server_cert", "server_key", "client_cert", "client_key"}) {
            System.clearProperty("dw.tls." + file);
        }
        System.clearProperty("dw.tls.source.type");
        System.clearProperty("dw.tls.source.socket");
        System.clearProperty("dw.tls.source.ca_cert");
        for (String file : new String[] {"ca_cert", "client_cert", "client_key"}) {
            System.clearProperty("dw.tls.database." + file);
        }
        System.clearProperty("dw.tls.protocols");
        System.clearProperty("dw.tls.handshake_timeout");
        System.clearProperty("dw.limits.max_request_body");
    }

    @Test
    void enabledBlockWithoutFilesIsRefused() {
        assertThatThrownBy(() -> factory.build(new ResourceConfigurationSourceProvider(), "echo.yml"))
                .isInstanceOf(ConfigurationValidationException.class)
                .hasMessageContaining("tls: ca_cert, server_cert, server_key, client_cert and client_key must all be set");
    }

    @Test
    void olderProtocolsAreRefused() {
        System.setProperty("dw.tls.enabled", "false");
        System.setProperty("dw.tls.protocols", "TLSv1.2,TLSv1.1");

        assertThatThrownBy(() -> factory.build(new ResourceConfigurationSourceProvider(), "echo.yml"))
                .isInstanceOf(ConfigurationValidationException.class)
                .hasMessageContaining("tls.protocols may list only TLSv1.3 and TLSv1.2");
    }

    @Test
    void snakeCaseKeysCanBeOverriddenBySystemProperties() throws Exception {
        System.setProperty("dw.tls.enabled", "false");
        for (String file : new String[] {"ca_cert", "server_cert", "server_key", "client_cert", "client_key"}) {
            System.setProperty("dw.tls." + file, "certs/" + file + ".pem");
        }
        System.setProperty("dw.tls.server_cert", "elsewhere/auth-cert.pem");

        TlsConfiguration tls = factory.build(new ResourceConfigurationSourceProvider(), "echo.yml").getTls();

        assertThat(tls.getFiles()).get().satisfies(files ->
                assertThat(files.cert(MtlsContext.Role.SERVER)).isEqualTo(Path.of("elsewhere/auth-cert.pem")));
        assertThat(tls.getProtocols()).containsExactly("TLSv1.3", "TLSv1.2");
    }

    @Test
    void theFilesAreGivenEitherFlatOrAsASourceNotBoth() {
        System.setProperty("dw.tls.ca_cert", "certs/ca-cert.pem");
        System.setProperty("dw.tls.source.type", "workload_api");
        System.setProperty("dw.tls.source.socket", "unix:///run/agent.sock");

        assertThatThrownBy(() -> factory.build(new ResourceConfigurationSourceProvider(), "echo.yml"))
                .isInstanceOf(ConfigurationValidationException.class)
                .hasMessageContaining("tls: set the certificate files either as the keys of tls (ca_cert, server_cert, ...)"
                        + " or inside tls.source, not both");
    }

    @Test
    void aSourceOfFilesIsValidatedLikeAnyBlock() {
        System.setProperty("dw.tls.source.type", "files");
        System.setProperty("dw.tls.source.ca_cert", "certs/ca-cert.pem");

        assertThatThrownBy(() -> factory.build(new ResourceConfigurationSourceProvider(), "echo.yml"))
                .isInstanceOf(ConfigurationValidationException.class)
                .hasMessageContaining("tls.source: ca_cert, server_cert, server_key, client_cert and client_key must all"
                        + " be set");
    }

    @Test
    void aDatabaseBlockNeedsAllThreeFiles() {
        System.setProperty("dw.tls.enabled", "false");
        System.setProperty("dw.tls.database.client_cert", "db/tls.crt");

        assertThatThrownBy(() -> factory.build(new ResourceConfigurationSourceProvider(), "echo.yml"))
                .isInstanceOf(ConfigurationValidationException.class)
                .hasMessageContaining("tls.database: ca_cert, client_cert and client_key must all be set");
    }

    @Test
    void theDatabaseFilesAreSetBySystemProperties() throws Exception {
        System.setProperty("dw.tls.enabled", "false");
        System.setProperty("dw.tls.database.ca_cert", "db/ca.crt");
        System.setProperty("dw.tls.database.client_cert", "db/tls.crt");
        System.setProperty("dw.tls.database.client_key", "db/tls.key");

        TlsConfiguration tls = factory.build(new ResourceConfigurationSourceProvider(), "echo.yml").getTls();

        assertThat(tls.getDatabaseFiles()).hasValueSatisfying(files -> {
            assertThat(files.caCert()).isEqualTo(Path.of("db/ca.crt"));
            assertThat(files.cert(MtlsContext.Role.CLIENT)).isEqualTo(Path.of("db/tls.crt"));
            assertThat(files.key(MtlsContext.Role.CLIENT)).isEqualTo(Path.of("db/tls.key"));
            assertThat(files.roles()).containsExactly(MtlsContext.Role.CLIENT);
        });
    }

    @Test
    void theKeysOfTheSourceBlockCanBeOverriddenToo() throws Exception {
        System.setProperty("dw.tls.source.type", "workload_api");
        System.setProperty("dw.tls.source.socket", "unix:///run/elsewhere/agent.sock");

        TlsConfiguration tls = factory.build(new ResourceConfigurationSourceProvider(), "echo.yml").getTls();

        assertThat(tls.getSource()).isInstanceOfSatisfying(WorkloadApiSourceFactory.class,
                source -> assertThat(source.socket()).hasToString("unix:///run/elsewhere/agent.sock"));
    }

    @Test
    void theLimitsHaveSafeDefaultsAndCanBeOverridden() throws Exception {
        System.setProperty("dw.tls.enabled", "false");
        EchoApplication.EchoConfiguration defaults = factory.build(new ResourceConfigurationSourceProvider(), "echo.yml");
        assertThat(defaults.getTls().getHandshakeTimeout().toSeconds()).isEqualTo(10);
        assertThat(defaults.getLimits().getMaxRequestBody()).isEqualTo(64 * 1024);
        assertThat(defaults.getLimits().getMaxConnections()).isEqualTo(1000);
        assertThat(defaults.getLimits().getMaxJsonDepth()).isEqualTo(32);
        assertThat(defaults.getLimits().getMaxJsonStringLength()).isEqualTo(16 * 1024);
        assertThat(defaults.getLimits().getMaxJsonNumberLength()).isEqualTo(64);

        System.setProperty("dw.tls.handshake_timeout", "3s");
        System.setProperty("dw.limits.max_request_body", "1KiB");
        EchoApplication.EchoConfiguration overridden = factory.build(new ResourceConfigurationSourceProvider(), "echo.yml");

        assertThat(overridden.getTls().getHandshakeTimeout().toSeconds()).isEqualTo(3);
        assertThat(overridden.getLimits().getMaxRequestBody()).isEqualTo(1024);
    }
}
