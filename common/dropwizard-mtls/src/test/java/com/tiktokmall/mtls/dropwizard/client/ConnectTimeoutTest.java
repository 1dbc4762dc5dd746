package com.tiktokmall.mtls.dropwizard.client;

import com.tiktokmall.mtls.testing.EchoService;
import com.tiktokmall.mtls.testing.TestPki;
import io.dropwizard.client.JerseyClientConfiguration;
import io.dropwizard.util.Duration;
import jakarta.ws.rs.ProcessingException;
import jakarta.ws.rs.client.WebTarget;
import org.apache.hc.client5.http.ConnectTimeoutException;
import org.junit.jupiter.api.Test;

import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

/**
 * {@code connectionTimeout} bounds the connect of an mTLS client, whose connection settings the
 * builder replaces (for the retry): without it HttpClient waits its default of three minutes.
 */
class ConnectTimeoutTest {
    @Test
    void aPeerThatNeverAcceptsIsGivenUpAfterTheConnectionTimeout() throws Exception {
        TestPki pki = TestPki.create();
        List<Socket> queued = new ArrayList<>();
        try (EchoService app = EchoService.start("echo.yml", pki.tlsSettings("echo"));
             ServerSocket neverAccepts = new ServerSocket()) {
            neverAccepts.bind(new InetSocketAddress("127.0.0.1", 0), 1);
            fillTheAcceptQueue(neverAccepts, queued);
            JerseyClientConfiguration config = new JerseyClientConfiguration();
            config.setConnectionTimeout(Duration.seconds(1));
            WebTarget target = app.application().mtls.clientBuilder(app.environment()).using(config)
                    .build("connect-timeout").target("https://127.0.0.1:" + neverAccepts.getLocalPort());

            // A bound, not a measurement: thirty times the setting, a sixth of HttpClient's default.
            assertTimeoutPreemptively(java.time.Duration.ofSeconds(30), () ->
                    assertThatThrownBy(() -> target.path("/whoami").request().get().close())
                            .isInstanceOf(ProcessingException.class)
                            .hasCauseInstanceOf(ConnectTimeoutException.class));
        } finally {
            for (Socket socket : queued) {
                socket.close();
            }
        }
    }

    /** Connections the kernel completes for the listener until its backlog is full: the next one is left hanging. */
    private static void fillTheAcceptQueue(ServerSocket listener, List<Socket> queued) throws Exception {
        for (int i = 0; i < 8; i++) {
            Socket socket = new Socket();
            try {
                socket.connect(listener.getLocalSocketAddress(), 300);
                queued.add(socket);
            } catch (java.io.IOException full) {
                socket.close();
                return;
            }
        }
    }
}
