package com.tiktokmall.mtls.testing;

import java.io.ByteArrayOutputStream;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.security.cert.CertificateException;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLSocket;

/**
 * Checks that a server refused a connection, which fail when nothing listens: a refusal is only
 * proven once a TCP connection was made and the server then spoke TLS. A closed port, a plain
 * HTTP server or a server that lets the client in all fail these checks.
 *
 * <pre>{@code
 * Handshakes.assertRefusedDuringHandshake(TestCert.anonymousClientContext(ca), port);
 * Handshakes.assertNoAnswerToPlainHttp(port);
 * }</pre>
 */
public final class Handshakes {
    /** The first byte of a TLS record of the handshake protocol (ServerHello...). */
    private static final int HANDSHAKE_RECORD = 0x16;
    /** The first byte of a TLS alert record. */
    private static final int ALERT_RECORD = 0x15;

    private Handshakes() {
    }

    /**
     * A client with {@code client} connects to {@code port}, the server answers its ClientHello in
     * TLS, and then the connection fails with a TLS alert or a reset, before any HTTP answer.
     * Under TLS 1.3 the client finishes its part of the handshake before the server checks its
     * certificate, so the refusal may only arrive with the first read: a request is sent to see it.
     */
    public static void assertRefusedDuringHandshake(SSLContext client, int port) {
        assertRefusedDuringHandshake(client, port, "127.0.0.1");
    }

    /**
     * As {@link #assertRefusedDuringHandshake(SSLContext, int)}, from the loopback address
     * {@code from} (any of 127.0.0.0/8): to the server, another peer.
     */
    public static void assertRefusedDuringHandshake(SSLContext client, int port, String from) {
        RecordingSocket tcp = connected(port, from);
        try (SSLSocket tls = (SSLSocket) client.getSocketFactory().createSocket(tcp, "localhost", port, true)) {
            tls.startHandshake();
            OutputStream out = tls.getOutputStream();
            out.write(RawHttps.request("localhost", "/"));
            out.flush();
            int first = tls.getInputStream().read();
            throw new AssertionError("the server on port " + port + " completed the handshake and "
                    + (first < 0 ? "closed the connection without a TLS alert" : "answered: " + (char) first
                    + rest(tls)));
        } catch (SSLException | SocketException refused) {
            if (causedBy(refused, CertificateException.class)) {
                throw new AssertionError("the client refused the server on port " + port
                        + ", not the server the client: " + refused, refused);
            }
            int first = tcp.firstByteReceived();
            if (first != HANDSHAKE_RECORD && first != ALERT_RECORD) {
                throw new AssertionError("the peer on port " + port + " does not speak TLS (first byte "
                        + (first < 0 ? "none" : String.format("0x%02x", first)) + "), so no handshake was refused: "
                        + refused, refused);
            }
        } catch (IOException other) {
            throw new AssertionError("the connection to port " + port + " failed, but not with a refused TLS handshake: "
                    + other, other);
        }
    }

    /**
     * Plain-text HTTP sent to a TLS port: the port accepts the TCP connection, then closes it
     * without an HTTP answer (at most a TLS alert comes back). Silence proves nothing by itself
     * (anything that accepts and closes is silent), so the port must also answer a TLS
     * ClientHello with a TLS handshake record on a connection of its own.
     */
    public static void assertNoAnswerToPlainHttp(int port) {
        assertNoAnswerToPlainHttp(port, "127.0.0.1");
    }

    /** As {@link #assertNoAnswerToPlainHttp(int)}, from the loopback address {@code from}. */
    public static void assertNoAnswerToPlainHttp(int port, String from) {
        RecordingSocket tcp = connected(port, from);
        byte[] answer;
        try (tcp) {
            tcp.getOutputStream().write(RawHttps.request("localhost", "/"));
            tcp.getOutputStream().flush();
            answer = tcp.getInputStream().readAllBytes();
        } catch (SocketTimeoutException stillOpen) {
            throw new AssertionError("port " + port + " kept a plain-HTTP connection open for "
                    + RawHttps.TIMEOUT_MILLIS + " ms instead of closing it", stillOpen);
        } catch (IOException reset) {
            answer = tcp.received();
        }
        if (answer.length > 0 && answer[0] != ALERT_RECORD) {
            throw new AssertionError("port " + port + " answered plain HTTP with something other than a TLS alert: "
                    + new String(answer, StandardCharsets.ISO_8859_1));
        }
        requireTlsServer(port, from);
    }

    /** A ClientHello to {@code port} is answered by a TLS handshake record: a TLS server is there. */
    private static void requireTlsServer(int port, String from) {
        RecordingSocket tcp = connected(port, from);
        try (SSLSocket tls = (SSLSocket) TestCert.anonymousClientContext().getSocketFactory()
                .createSocket(tcp, "localhost", port, true)) {
            tls.startHandshake();
        } catch (IOException expected) {
            // this client trusts no server and presents no certificate: only what came back counts
        }
        int first = tcp.firstByteReceived();
        if (first != HANDSHAKE_RECORD) {
            throw new AssertionError("port " + port + " gave no answer to plain HTTP, but it gave no TLS handshake"
                    + " either (first byte " + (first < 0 ? "none" : String.format("0x%02x", first)) + "): no TLS"
                    + " server was reached there");
        }
    }

    /** What else the server sent, for the message; a failure while reading it does not make a refusal. */
    private static String rest(SSLSocket tls) {
        try {
            return new String(tls.getInputStream().readNBytes(200), StandardCharsets.ISO_8859_1);
        } catch (IOException e) {
            return " (then " + e + ")";
        }
    }

    private static boolean causedBy(Throwable e, Class<? extends Throwable> type) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (type.isInstance(t)) {
                return true;
            }
        }
        return false;
    }

    private static RecordingSocket connected(int port, String from) {
        RecordingSocket socket = new RecordingSocket();
        try {
            socket.bind(new InetSocketAddress(from, 0));
            RawHttps.connect(socket, port);
            return socket;
        } catch (IOException e) {
            throw new AssertionError("nothing accepts TCP connections on port " + port
                    + ", so nothing was refused there: " + e, e);
        }
    }

    /** A TCP socket that remembers the first bytes the peer sent, to tell TLS from anything else. */
    private static final class RecordingSocket extends Socket {
        private final ByteArrayOutputStream received = new ByteArrayOutputStream();

        @Override
        public InputStream getInputStream() throws IOException {
            return new FilterInputStream(super.getInputStream()) {
                @Override
                public int read() throws IOException {
                    int b = super.read();
                    if (b >= 0) {
                        record(new byte[] {(byte) b}, 0, 1);
                    }
                    return b;
                }

                @Override
                public int read(byte[] buffer, int offset, int length) throws IOException {
                    int n = super.read(buffer, offset, length);
                    record(buffer, offset, n);
                    return n;
                }
            };
        }

        private synchronized void record(byte[] buffer, int offset, int n) {
            if (n > 0 && received.size() < 1024) {
                received.write(buffer, offset, Math.min(n, 1024 - received.size()));
            }
        }

        synchronized byte[] received() {
            return received.toByteArray();
        }

        int firstByteReceived() {
            byte[] bytes = received();
            return bytes.length == 0 ? -1 : bytes[0] & 0xff;
        }
    }
}
