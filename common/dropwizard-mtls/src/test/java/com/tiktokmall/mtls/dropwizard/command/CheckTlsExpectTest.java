package com.tiktokmall.mtls.dropwizard.command;

import com.tiktokmall.mtls.testing.CommandRunner;
import com.tiktokmall.mtls.testing.EchoApplication;
import com.tiktokmall.mtls.testing.TestPki;
import io.dropwizard.testing.ResourceHelpers;
import io.dropwizard.testing.junit5.DropwizardAppExtension;
import io.dropwizard.testing.junit5.DropwizardExtensionsSupport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import static org.assertj.core.api.Assertions.assertThat;

/** check-tls --connect --expect: the server must present the SPIFFE ID named, whatever host is dialled. */
@ExtendWith(DropwizardExtensionsSupport.class)
class CheckTlsExpectTest {
    private static final String CONFIG = ResourceHelpers.resourceFilePath("echo.yml");
    private static final TestPki PKI = TestPki.create();
    private static final DropwizardAppExtension<EchoApplication.EchoConfiguration> APP = new DropwizardAppExtension<>(
            EchoApplication.class, CONFIG, PKI.tlsOverrides("echo"));

    @Test
    void theExpectedIdentityIsAccepted() {
        String target = "localhost:" + APP.getLocalPort();

        CommandRunner.Result check = CommandRunner.run(new EchoApplication(), PKI.tlsSettings("echo"),
                "check-tls", CONFIG, "--connect", target, "--expect", "spiffe://tiktokmall.local/echo");

        assertThat(check.error()).isEmpty();
        assertThat(check.stdout()).contains("connect  " + target + " as 'echo', expecting spiffe://tiktokmall.local/echo")
                .contains("OK: the tls block is good and " + target + " accepted us");
    }

    @Test
    void anotherIdentityIsRefusedNamingBoth() {
        CommandRunner.Result check = CommandRunner.run(new EchoApplication(), PKI.tlsSettings("echo"),
                "check-tls", CONFIG, "--connect", "localhost:" + APP.getLocalPort(), "--expect", "spiffe://tiktokmall.local/auth");

        assertThat(check.error()).isPresent();
        assertThat(check.stderr()).contains("the server presented spiffe://tiktokmall.local/echo, but this client expects"
                + " spiffe://tiktokmall.local/auth");
    }

    @Test
    void expectWithoutConnectIsAnError() {
        CommandRunner.Result check = CommandRunner.run(new EchoApplication(), PKI.tlsSettings("echo"),
                "check-tls", CONFIG, "--expect", "spiffe://tiktokmall.local/auth");

        assertThat(check.stderr()).contains("--expect needs --connect HOST:PORT");
    }
}
