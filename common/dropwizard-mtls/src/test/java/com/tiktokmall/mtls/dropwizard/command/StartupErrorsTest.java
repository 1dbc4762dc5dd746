package com.tiktokmall.mtls.dropwizard.command;

import com.tiktokmall.mtls.TlsException;
import com.tiktokmall.mtls.dropwizard.config.SettingException;
import com.tiktokmall.mtls.testing.EchoApplication;
import io.dropwizard.core.cli.Cli;
import io.dropwizard.core.setup.Bootstrap;
import io.dropwizard.util.JarLocation;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/** A bad setting is one line on stderr, wherever it sits among the causes; anything else a stack trace. */
class StartupErrorsTest {
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();
    private final Cli cli = new Cli(new JarLocation(EchoApplication.class), new Bootstrap<>(new EchoApplication()),
            new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8),
            new PrintStream(err, true, StandardCharsets.UTF_8));

    @Test
    void theServerCommandTellsABadTlsBlockInOneLine() {
        TlsException bad = TlsException.inFile(Path.of("certs/auth-key.pem"), "the file is empty", null)
                .withSetting("tls.server_key");

        new MtlsServerCommand<>(new EchoApplication()).onError(cli, null, new RuntimeException("wrapped", bad));

        assertThat(stderr()).isEqualTo("echo start-up failed: tls.server_key (certs/auth-key.pem): the file"
                + " is empty." + System.lineSeparator());
    }

    @Test
    void aServicesOwnBadSettingIsOneLineToo() {
        StartupErrors.print(cli, "auth start-up", new SettingException("tokens.signing_key", "the key is RSA", null));

        assertThat(stderr()).isEqualTo("auth start-up failed: tokens.signing_key: the key is RSA."
                + System.lineSeparator());
    }

    @Test
    void anythingElseKeepsItsStackTrace() {
        StartupErrors.print(cli, "auth start-up", new IllegalStateException("port 8443 is in use"));

        assertThat(stderr()).startsWith("java.lang.IllegalStateException: port 8443 is in use")
                .contains("\tat ");
    }

    @Test
    void aSettingExceptionNamesTheFixWhenThereIsOne() {
        assertThat(new SettingException("auth.url", "plain http:// is refused", "use https://"))
                .hasMessage("auth.url: plain http:// is refused. Fix: use https://.");
    }

    private String stderr() {
        return err.toString(StandardCharsets.UTF_8);
    }
}
