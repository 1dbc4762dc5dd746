package com.tiktokmall.mtls.testing;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One HTTP/1.1 request over a fresh socket, TLS or not, with nothing pooled or retried: what a
 * misbehaving client sees. A refused handshake surfaces as an {@link IOException}.
 */
public final class RawHttps {
    private static final int TIMEOUT_MILLIS = 10_000;

    private RawHttps() {
    }

    /** {@code GET path} over TLS with {@code context}, checking that the server's name is {@code host}. */
    public static String get(SSLContext context, String host, int port, String path) throws IOException {
        return get(context, host, port, path, "127.0.0.1");
    }

    /**
     * As {@link #get(SSLContext, String, int, String)}, from the loopback address {@code from} (any of
     * 127.0.0.0/8): to the server, another peer.
     */
    public static String get(SSLContext context, String host, int port, String path, String from) throws IOException {
        Socket plain = connect(port, from);
        SSLSocket socket = (SSLSocket) context.getSocketFactory().createSocket(plain, host, port, true);
        var parameters = socket.getSSLParameters();
        parameters.setEndpointIdentificationAlgorithm("HTTPS");
        socket.setSSLParameters(parameters);
        socket.startHandshake();
        return exchange(socket, host, path);
    }

    /**
     * {@code POST path} with a JSON body of {@code bodyBytes} bytes, declared by {@code Content-Length}
     * or sent chunked, written on another thread while the answer is read: what a flood looks like
     * to the server. Returns the status line and the body of the answer, as soon as it comes, and how
     * long it took after the handshake; writing stops quietly when the server closes the connection.
     */
    public static Answer postFlood(SSLContext context, String host, int port, String path, long bodyBytes,
                                   boolean chunked) throws IOException {
        return post(context, host, port, path, chunked ? "Transfer-Encoding: chunked" : "Content-Length: " + bodyBytes,
                bodyBytes, chunked);
    }

    /**
     * {@code POST path} declaring a body of {@code declaredBytes} bytes, of which only
     * {@code sentBytes} are sent: a server that waits for the body before refusing it never answers.
     */
    public static Answer postDeclaring(SSLContext context, String host, int port, String path, long declaredBytes,
                                       long sentBytes) throws IOException {
        return post(context, host, port, path, "Content-Length: " + declaredBytes, sentBytes, false);
    }

    private static Answer post(SSLContext context, String host, int port, String path, String framing, long sentBytes,
                               boolean chunked) throws IOException {
        SSLSocket socket = (SSLSocket) context.getSocketFactory().createSocket(connect(port), host, port, true);
        try (socket) {
            socket.startHandshake();
            long start = System.nanoTime();
            OutputStream out = socket.getOutputStream();
            out.write(("POST " + path + " HTTP/1.1\r\nHost: " + host + "\r\nContent-Type: application/json\r\n"
                    + framing + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            out.flush();
            AtomicLong sent = new AtomicLong();
            Thread writer = new Thread(() -> flood(out, sentBytes, chunked, sent), "flood");
            writer.setDaemon(true);
            writer.start();
            InputStream in = socket.getInputStream();
            String status = KeepAlive.line(in);
            long sentBeforeAnswer = sent.get();
            int length = 0;
            for (String header = KeepAlive.line(in); !header.isEmpty(); header = KeepAlive.line(in)) {
                if (header.regionMatches(true, 0, "Content-Length:", 0, 15)) {
                    length = Integer.parseInt(header.substring(15).trim());
                }
            }
            String body = new String(in.readNBytes(length), StandardCharsets.UTF_8);
            return new Answer(status, body, Duration.ofNanos(System.nanoTime() - start), sentBeforeAnswer);
        }
    }

    /**
     * A status line, a body, how long they took to come once the request began, and how many bytes
     * of the request body had been written when the answer began.
     */
    public record Answer(String status, String body, Duration took, long sentBeforeAnswer) {
    }

    private static void flood(OutputStream out, long bodyBytes, boolean chunked, AtomicLong counted) {
        byte[] filler = new byte[8192];
        Arrays.fill(filler, (byte) 'a');
        byte[] first = filler.clone();
        byte[] start = "{\"name\":\"".getBytes(StandardCharsets.US_ASCII);
        System.arraycopy(start, 0, first, 0, start.length);
        try {
            for (long sent = 0; sent < bodyBytes; sent += filler.length) {
                int size = (int) Math.min(filler.length, bodyBytes - sent);
                if (chunked) {
                    out.write((Integer.toHexString(size) + "\r\n").getBytes(StandardCharsets.US_ASCII));
                }
                out.write(sent == 0 ? first : filler, 0, size);
                if (chunked) {
                    out.write("\r\n".getBytes(StandardCharsets.US_ASCII));
                }
                counted.addAndGet(size);
            }
            if (chunked) {
                out.write("0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            }
            out.flush();
        } catch (IOException closedByTheServer) {
            // expected: the server answers early and closes
        }
    }

    /** A TLS connection kept alive across requests, as a pooled client would keep it. */
    public static KeepAlive keepAlive(SSLContext context, String host, int port) throws IOException {
        SSLSocket socket = (SSLSocket) context.getSocketFactory().createSocket(connect(port), host, port, true);
        socket.startHandshake();
        return new KeepAlive(socket, host);
    }

    /** One keep-alive connection: requests one after another, and whether the server has closed it. */
    public static final class KeepAlive implements AutoCloseable {
        private final SSLSocket socket;
        private final String host;

        private KeepAlive(SSLSocket socket, String host) {
            this.socket = socket;
            this.host = host;
        }

        /** {@code GET path}, returning the status line; the connection stays open. */
        public String get(String path) throws IOException {
            OutputStream out = socket.getOutputStream();
            out.write(("GET " + path + " HTTP/1.1\r\nHost: " + host + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            out.flush();
            InputStream in = socket.getInputStream();
            String status = line(in);
            int length = 0;
            for (String header = line(in); !header.isEmpty(); header = line(in)) {
                if (header.regionMatches(true, 0, "Content-Length:", 0, 15)) {
                    length = Integer.parseInt(header.substring(15).trim());
                }
            }
            in.readNBytes(length);
            return status;
        }

        /** True once the server has closed the connection (end of stream, or a reset). */
        public boolean closedByServer() {
            try {
                socket.setSoTimeout(100);
                return socket.getInputStream().read() < 0;
            } catch (java.net.SocketTimeoutException stillOpen) {
                return false;
            } catch (IOException closed) {
                return true;
            }
        }

        public javax.net.ssl.SSLSession session() {
            return socket.getSession();
        }

        @Override
        public void close() throws IOException {
            socket.close();
        }

        private static String line(InputStream in) throws IOException {
            StringBuilder line = new StringBuilder();
            for (int c = in.read(); c >= 0 && c != '\n'; c = in.read()) {
                if (c != '\r') {
                    line.append((char) c);
                }
            }
            return line.toString();
        }
    }

    /** What a TLS port answers to plain-text HTTP: nothing, when it closes the connection on us. */
    public static String plainHttpAnswer(int port, String path) {
        try {
            return getPlain(port, path);
        } catch (IOException closed) {
            return "";
        }
    }

    /** {@code GET path} in plain text, as if the port spoke HTTP. */
    public static String getPlain(int port, String path) throws IOException {
        return getPlain(port, path, "127.0.0.1");
    }

    /** {@code GET path} in plain text from the loopback address {@code from}. */
    public static String getPlain(int port, String path, String from) throws IOException {
        return exchange(connect(port, from), "localhost", path);
    }

    private static Socket connect(int port) throws IOException {
        return connect(port, "127.0.0.1");
    }

    private static Socket connect(int port, String from) throws IOException {
        Socket socket = new Socket();
        socket.bind(new InetSocketAddress(from, 0));
        socket.connect(new InetSocketAddress("127.0.0.1", port), TIMEOUT_MILLIS);
        socket.setSoTimeout(TIMEOUT_MILLIS);
        return socket;
    }

    /** The whole response, status line first; empty when the server closed without answering. */
    private static String exchange(Socket socket, String host, String path) throws IOException {
        try (socket) {
            OutputStream out = socket.getOutputStream();
            out.write(("GET " + path + " HTTP/1.1\r\nHost: " + host + "\r\nConnection: close\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            out.flush();
            InputStream in = socket.getInputStream();
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }
}
