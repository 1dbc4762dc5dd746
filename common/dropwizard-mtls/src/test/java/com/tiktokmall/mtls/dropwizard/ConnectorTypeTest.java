package com.tiktokmall.mtls.dropwizard;

import com.tiktokmall.mtls.testing.CommandRunner;
import com.tiktokmall.mtls.testing.EchoApplication;
import com.tiktokmall.mtls.testing.TestPki;
import io.dropwizard.core.Application;
import io.dropwizard.core.Configuration;
import io.dropwizard.core.setup.Environment;
import io.dropwizard.testing.DropwizardTestSupport;
import io.dropwizard.testing.ResourceHelpers;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * {@code type: mtls} is the connector of a service with {@code tls.enabled}; {@code type: http}
 * keeps its stock meaning, plain HTTP, and so stops such a service from starting (with
 * {@code tls.enabled: false}, {@code type: mtls} serves plain HTTP: {@link PlainHttpWhenDisabledTest}).
 */
class ConnectorTypeTest {
    private static final TestPki PKI = TestPki.create();

    @Test
    void plainHttpConnectorsStopAServiceWithTlsEnabled() {
        CommandRunner.Result start = CommandRunner.run(new EchoApplication(), PKI.tlsSettings("echo"), "server",
                ResourceHelpers.resourceFilePath("echo-plain.yml"));

        assertThat(start.succeeded()).isFalse();
        assertThat(start.stderr().strip())
                .isEqualTo("echo start-up failed: server.applicationConnectors[0].type: is http, which does not require"
                        + " client certificates, while tls.enabled is true. Fix: change it to type: mtls, or set"
                        + " tls.enabled: false.");
    }

    @Test
    void aPlainAdminConnectorAloneStopsItToo() {
        Map<String, String> settings = PKI.tlsSettings("echo");
        settings.put("server.applicationConnectors[0].type", "mtls");

        CommandRunner.Result start = CommandRunner.run(new EchoApplication(), settings, "server",
                ResourceHelpers.resourceFilePath("echo-plain.yml"));

        assertThat(start.stderr()).contains("server.adminConnectors[0].type: is http");
    }

    @Test
    void checkTlsRefusesWhatStartUpRefuses() {
        CommandRunner.Result check = CommandRunner.run(new EchoApplication(), PKI.tlsSettings("echo"), "check-tls",
                ResourceHelpers.resourceFilePath("echo-plain.yml"));

        assertThat(check.error()).isPresent();
        assertThat(check.stderr()).contains("check-tls failed: server.applicationConnectors[0].type: is http");
    }

    @Test
    void anMtlsConnectorWithoutTheBundleRefusesToServe() {
        DropwizardTestSupport<Configuration> bare = new DropwizardTestSupport<>(BareApplication.class,
                ResourceHelpers.resourceFilePath("bare-mtls.yml"));
        try {
            assertThatThrownBy(bare::before).hasMessageContaining("has no TLS material: add the MtlsBundle");
        } finally {
            bare.after();
        }
    }

    /** An application that declares type: mtls connectors but forgot the bundle. */
    public static class BareApplication extends Application<Configuration> {
        @Override
        public void run(Configuration configuration, Environment environment) {
            // nothing: no bundle, so no TLS material
        }
    }

    @Test
    void theLaunchersCommandsAllRunBesideTheBundlesOwn() {
        CommandRunner.Result check = CommandRunner.run(new EchoApplication(), PKI.tlsSettings("echo"), "check",
                ResourceHelpers.resourceFilePath("echo.yml"));

        assertThat(check.error()).isEmpty();
        assertThat(check.stdout() + check.stderr()).doesNotContain("already used");
    }

    @Test
    void keyStoresAreRefusedOnAnMtlsConnector() {
        Map<String, String> settings = PKI.tlsSettings("echo");
        settings.put("server.applicationConnectors[0].keyStorePath", "/etc/keystore.jks");

        CommandRunner.Result start = CommandRunner.run(new EchoApplication(), settings, "server",
                ResourceHelpers.resourceFilePath("echo.yml"));

        assertThat(start.succeeded()).isFalse();
        assertThat(start.stderr()).contains("a type: mtls connector takes its certificates, trust and revocation from"
                + " the tls block");
    }

    @Test
    void revocationSettingsOfItsOwnAreRefusedToo() {
        Map<String, String> settings = PKI.tlsSettings("echo");
        settings.put("server.adminConnectors[0].crlPath", "/etc/crl.pem");

        CommandRunner.Result start = CommandRunner.run(new EchoApplication(), settings, "server",
                ResourceHelpers.resourceFilePath("echo.yml"));

        assertThat(start.succeeded()).isFalse();
        assertThat(start.stderr()).contains("remove keyStorePath", "crlPath", "(revocation: tls.crl)");
    }
}
