package com.tiktokmall.mtls.testing;

import com.tiktokmall.mtls.MtlsContext;
import com.tiktokmall.mtls.TrustBundle;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import javax.net.ssl.SSLContext;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The refusal and answer checks themselves: each fails when its claim is false, a closed port first. */
class HandshakesTest {
    private static final TestCa CA = TestCa.create("Handshakes Test CA");
    private static final SSLContext ANONYMOUS = TestCert.anonymousClientContext(CA.certificate());
    private static final SSLContext GATEWAY = CA.leaf("gateway").issue().rawClientContext(CA.certificate());

    private static TlsEchoServer mtls;
    private static PlainHttpServer plain;

    @BeforeAll
    static void startServers() throws IOException {
        MtlsContext server = MtlsContext.forServer(CA.leaf("echo").issue().identity())
                .trust(TrustBundle.of(List.of(CA.certificate()))).build();
        mtls = TlsEchoServer.start(server.sslContext(), server.sslParameters());
        plain = new PlainHttpServer();
    }

    @AfterAll
    static void stopServers() throws IOException {
        mtls.close();
        plain.close();
    }

    @Test
    void everyCheckFailsAgainstAClosedPort() {
        int closed = Ports.free();

        assertThatThrownBy(() -> Handshakes.assertRefusedDuringHandshake(ANONYMOUS, closed))
                .isInstanceOf(AssertionError.class).hasMessageContaining("nothing accepts TCP connections on port " + closed);
        assertThatThrownBy(() -> Handshakes.assertNoAnswerToPlainHttp(closed))
                .isInstanceOf(AssertionError.class).hasMessageContaining("nothing accepts TCP connections");
        assertThatThrownBy(() -> RawHttps.plainAnswer(closed, "/"))
                .isInstanceOf(AssertionError.class).hasMessageContaining("no plain HTTP answer");
        assertThatThrownBy(() -> RawHttps.answer(GATEWAY, "localhost", closed, "/"))
                .isInstanceOf(AssertionError.class).hasMessageContaining("no HTTPS answer");
    }

    @Test
    void aClientWithoutCertificateIsRefusedDuringTheHandshake() {
        Handshakes.assertRefusedDuringHandshake(ANONYMOUS, mtls.port());
    }

    @Test
    void aRefusalUnderTls12IsSeenToo() throws IOException {
        MtlsContext server = MtlsContext.forServer(CA.leaf("echo").issue().identity())
                .trust(TrustBundle.of(List.of(CA.certificate()))).protocols(List.of("TLSv1.2")).build();

        try (TlsEchoServer tls12 = TlsEchoServer.start(server.sslContext(), server.sslParameters())) {
            Handshakes.assertRefusedDuringHandshake(ANONYMOUS, tls12.port());
        }
    }

    @Test
    void theRefusalCheckFailsWhenTheServerLetsTheClientIn() {
        assertThatThrownBy(() -> Handshakes.assertRefusedDuringHandshake(GATEWAY, mtls.port()))
                .isInstanceOf(AssertionError.class).hasMessageContaining("completed the handshake and answered: H");
    }

    @Test
    void theRefusalCheckFailsWhenItIsTheClientThatRefuses() {
        SSLContext trustsAnotherCa = CA.leaf("gateway").issue().rawClientContext(TestCa.create("Other CA").certificate());

        assertThatThrownBy(() -> Handshakes.assertRefusedDuringHandshake(trustsAnotherCa, mtls.port()))
                .isInstanceOf(AssertionError.class).hasMessageContaining("the client refused the server");
    }

    @Test
    void theRefusalCheckFailsAgainstAPortThatDoesNotSpeakTls() {
        assertThatThrownBy(() -> Handshakes.assertRefusedDuringHandshake(ANONYMOUS, plain.port()))
                .isInstanceOf(AssertionError.class).hasMessageContaining("does not speak TLS (first byte 0x48)");
    }

    @Test
    void aTlsPortGivesNoAnswerToPlainHttp() {
        Handshakes.assertNoAnswerToPlainHttp(mtls.port());
    }

    @Test
    void theNoAnswerCheckFailsAgainstAPortThatClosesWithoutAWord() throws IOException {
        try (PlainHttpServer silent = new PlainHttpServer("")) {
            assertThatThrownBy(() -> Handshakes.assertNoAnswerToPlainHttp(silent.port()))
                    .isInstanceOf(AssertionError.class).hasMessageContaining("no TLS server was reached there");
        }
    }

    @Test
    void theNoAnswerCheckFailsAgainstAPortThatAnswersPlainHttp() {
        assertThatThrownBy(() -> Handshakes.assertNoAnswerToPlainHttp(plain.port()))
                .isInstanceOf(AssertionError.class).hasMessageContaining("HTTP/1.1 200 OK");
    }

    @Test
    void theAnswerChecksParseStatusHeadersAndBody() {
        RawHttps.Response plainAnswer = RawHttps.plainAnswer(plain.port(), "/");
        RawHttps.Response tlsAnswer = RawHttps.answer(GATEWAY, "localhost", mtls.port(), "/");

        assertThat(plainAnswer.status()).isEqualTo(200);
        assertThat(plainAnswer.header("content-type")).contains("text/plain");
        assertThat(plainAnswer.body()).isEqualTo("hello");
        assertThat(tlsAnswer.status()).isEqualTo(200);
        assertThat(tlsAnswer.body()).isEqualTo("{\"peer\":\"CN=gateway\"}");
    }

    @Test
    void theAnswerCheckFailsWhenTheHandshakeIsRefused() {
        assertThatThrownBy(() -> RawHttps.answer(ANONYMOUS, "localhost", mtls.port(), "/"))
                .isInstanceOf(AssertionError.class).hasMessageContaining("no HTTPS answer");
        assertThatThrownBy(() -> RawHttps.plainAnswer(mtls.port(), "/"))
                .isInstanceOf(AssertionError.class).hasMessageContaining("no plain HTTP answer");
    }

    /** A plain-text server answering every connection with one answer, by default HTTP 200 "hello". */
    private static final class PlainHttpServer implements AutoCloseable {
        private final ServerSocket socket;
        private final byte[] answer;

        PlainHttpServer() throws IOException {
            this("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 5\r\nConnection: close\r\n\r\nhello");
        }

        PlainHttpServer(String answer) throws IOException {
            this.answer = answer.getBytes(StandardCharsets.US_ASCII);
            socket = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
            Thread acceptor = new Thread(this::serve, "plain-http-" + socket.getLocalPort());
            acceptor.setDaemon(true);
            acceptor.start();
        }

        int port() {
            return socket.getLocalPort();
        }

        private void serve() {
            while (!socket.isClosed()) {
                try (Socket connection = socket.accept()) {
                    connection.setSoTimeout(5_000);
                    InputStream in = connection.getInputStream();
                    in.read(new byte[4096]);
                    OutputStream out = connection.getOutputStream();
                    out.write(answer);
                    out.flush();
                } catch (IOException closing) {
                    // the next connection, or the server is closing
                }
            }
        }

        @Override
        public void close() throws IOException {
            socket.close();
        }
    }
}
