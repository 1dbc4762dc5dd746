package com.tiktokmall.mtls.dropwizard;

import com.tiktokmall.mtls.TlsException;
import com.tiktokmall.mtls.testing.EchoApplication;
import com.tiktokmall.mtls.testing.Ports;
import com.tiktokmall.mtls.testing.TestPki;
import io.dropwizard.testing.DropwizardTestSupport;
import io.dropwizard.testing.ResourceHelpers;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** A broken tls block stops the service before any port opens, naming the setting and the file. */
class StartupFailureTest {
    private static final TestPki PKI = TestPki.create();

    @Test
    void missingCertificateStopsStartupBeforeAnyPortOpens() throws IOException {
        int port = Ports.free();
        Map<String, String> settings = PKI.tlsSettings("echo");
        settings.put("tls.server_cert", PKI.dir().resolve("missing.pem").toString());
        settings.put("server.applicationConnectors[0].port", Integer.toString(port));
        DropwizardTestSupport<EchoApplication.EchoConfiguration> app = new DropwizardTestSupport<>(EchoApplication.class,
                ResourceHelpers.resourceFilePath("echo.yml"), TestPki.overrides(settings));

        assertThatThrownBy(app::before)
                .isInstanceOf(TlsException.class)
                .hasMessageStartingWith("tls.server_cert (" + PKI.dir().resolve("missing.pem") + "): the file does not exist");
        app.after();
        assertThatThrownBy(() -> new Socket().connect(new InetSocketAddress("127.0.0.1", port), 1000))
                .isInstanceOf(ConnectException.class);
    }

}
