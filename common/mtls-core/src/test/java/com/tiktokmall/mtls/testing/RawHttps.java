package com.tiktokmall.mtls.testing;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.SequenceInputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSession;
import javax.net.ssl.SSLSocket;

/**
 * One HTTP/1.1 request over a fresh socket, TLS or not, with nothing pooled or retried: what a
 * misbehaving client sees.
 *
 * <p>{@link #answer} and {@link #plainAnswer} are the checks that a server answered: they fail the
 * test (with an {@link AssertionError}) when nothing listens, the handshake fails or no HTTP
 * response comes back. {@link #get} leaves those failures to the caller as {@link IOException}s,
 * for tests of a client's own refusal. Refusals by a server are checked with {@link Handshakes}.
 */
public final class RawHttps {
    static final int TIMEOUT_MILLIS = 10_000;
    private static final ObjectMapper JSON = new ObjectMapper();

    private RawHttps() {
    }

    /** A parsed HTTP/1.1 response. */
    public record Response(int status, Map<String, String> headers, String body) {
        /** A header by its case-insensitive name. */
        public Optional<String> header(String name) {
            return Optional.ofNullable(headers.get(name.toLowerCase(Locale.ROOT)));
        }

        /** The body as JSON; fails the test when it is not. */
        public JsonNode json() {
            try {
                return JSON.readTree(body);
            } catch (JsonProcessingException e) {
                throw new AssertionError("not JSON: " + this, e);
            }
        }

        @Override
        public String toString() {
            return status + " " + body;
        }
    }

    /** {@code GET path} over TLS, checking the server's name is {@code host}; fails the test unless it answers. */
    public static Response answer(SSLContext context, String host, int port, String path) {
        try {
            return get(context, host, port, path);
        } catch (IOException e) {
            throw new AssertionError("no HTTPS answer to GET " + path + " on port " + port + ": " + e, e);
        }
    }

    /** {@code GET path} in plain text; fails the test unless the port answers in HTTP. */
    public static Response plainAnswer(int port, String path) {
        try {
            return exchange(connect(port), "localhost", path);
        } catch (IOException e) {
            throw new AssertionError("no plain HTTP answer to GET " + path + " on port " + port + ": " + e, e);
        }
    }

    /** {@code GET path} over TLS with {@code context}, checking that the server's name is {@code host}. */
    public static Response get(SSLContext context, String host, int port, String path) throws IOException {
        return get(context, host, port, path, "127.0.0.1");
    }

    /**
     * As {@link #get(SSLContext, String, int, String)}, from the loopback address {@code from} (any of
     * 127.0.0.0/8): to the server, another peer.
     */
    public static Response get(SSLContext context, String host, int port, String path, String from) throws IOException {
        Socket plain = connect(port, from);
        SSLSocket socket = (SSLSocket) context.getSocketFactory().createSocket(plain, host, port, true);
        var parameters = socket.getSSLParameters();
        parameters.setEndpointIdentificationAlgorithm("HTTPS");
        socket.setSSLParameters(parameters);
        socket.startHandshake();
        return exchange(socket, host, path);
    }

    /** {@code GET path} in plain text from the loopback address {@code from}; failures are the caller's. */
    public static Response getPlain(int port, String path, String from) throws IOException {
        return exchange(connect(port, from), "localhost", path);
    }

    /**
     * {@code POST path} with a JSON body of {@code bodyBytes} bytes, declared by {@code Content-Length}
     * or sent chunked, written on another thread while the answer is read: what a flood looks like
     * to the server. Returns the answer as soon as it comes, and how long it took after the
     * handshake; writing stops quietly when the server closes the connection.
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

    /**
     * An answer to {@link #postFlood} or {@link #postDeclaring}, how long it took to come once the
     * request began, and how many bytes of the request body had been written when it began.
     */
    public record Answer(Response response, Duration took, long sentBeforeAnswer) {
        public int status() {
            return response.status();
        }

        public String body() {
            return response.body();
        }

        @Override
        public String toString() {
            return response + " after " + took.toMillis() + " ms, " + sentBeforeAnswer + " bytes sent";
        }
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
            int first = in.read();
            long sentBeforeAnswer = sent.get();
            if (first < 0) {
                throw new EOFException("the server closed the connection without an answer");
            }
            Response response = read(new SequenceInputStream(new ByteArrayInputStream(new byte[] {(byte) first}), in));
            return new Answer(response, Duration.ofNanos(System.nanoTime() - start), sentBeforeAnswer);
        }
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

        /** {@code GET path}; the connection stays open. */
        public Response get(String path) throws IOException {
            send(path);
            return receive();
        }

        /**
         * Sends {@code GET path} without waiting for its answer: sent again before an answer, a
         * second request is pipelined behind the first.
         */
        public void send(String path) throws IOException {
            OutputStream out = socket.getOutputStream();
            out.write(("GET " + path + " HTTP/1.1\r\nHost: " + host + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            out.flush();
        }

        /** The next answer on this connection. */
        public Response receive() throws IOException {
            return read(socket.getInputStream());
        }

        /** True once the server has closed the connection (end of stream, or a reset). */
        public boolean closedByServer() {
            try {
                socket.setSoTimeout(100);
                return socket.getInputStream().read() < 0;
            } catch (SocketTimeoutException stillOpen) {
                return false;
            } catch (IOException closed) {
                return true;
            }
        }

        public SSLSession session() {
            return socket.getSession();
        }

        @Override
        public void close() throws IOException {
            socket.close();
        }
    }

    static Socket connect(int port) throws IOException {
        return connect(new Socket(), port);
    }

    private static Socket connect(int port, String from) throws IOException {
        Socket socket = new Socket();
        socket.bind(new InetSocketAddress(from, 0));
        return connect(socket, port);
    }

    static Socket connect(Socket socket, int port) throws IOException {
        socket.connect(new InetSocketAddress("127.0.0.1", port), TIMEOUT_MILLIS);
        socket.setSoTimeout(TIMEOUT_MILLIS);
        return socket;
    }

    static byte[] request(String host, String path) {
        return ("GET " + path + " HTTP/1.1\r\nHost: " + host + "\r\nConnection: close\r\n\r\n")
                .getBytes(StandardCharsets.US_ASCII);
    }

    private static Response exchange(Socket socket, String host, String path) throws IOException {
        try (socket) {
            OutputStream out = socket.getOutputStream();
            out.write(request(host, path));
            out.flush();
            return read(socket.getInputStream());
        }
    }

    /** One response: the status line, the headers, then a body by Content-Length, chunks or to the end. */
    private static Response read(InputStream in) throws IOException {
        String statusLine = line(in);
        if (!statusLine.matches("HTTP/1\\.[01] \\d{3}( .*)?")) {
            throw new IOException("not an HTTP response: '" + statusLine + "'");
        }
        Map<String, String> headers = new LinkedHashMap<>();
        for (String header = line(in); !header.isEmpty(); header = line(in)) {
            int colon = header.indexOf(':');
            headers.put(header.substring(0, colon).trim().toLowerCase(Locale.ROOT), header.substring(colon + 1).trim());
        }
        byte[] body;
        if (headers.containsKey("content-length")) {
            body = exactly(in, Integer.parseInt(headers.get("content-length")));
        } else if ("chunked".equalsIgnoreCase(headers.get("transfer-encoding"))) {
            ByteArrayOutputStream chunks = new ByteArrayOutputStream();
            for (int size = Integer.parseInt(line(in).split(";")[0].trim(), 16); size > 0;
                 size = Integer.parseInt(line(in).split(";")[0].trim(), 16)) {
                chunks.write(exactly(in, size));
                line(in);
            }
            for (String trailer = line(in); !trailer.isEmpty(); trailer = line(in)) {
                // trailers are not used here
            }
            body = chunks.toByteArray();
        } else {
            body = in.readAllBytes();
        }
        return new Response(Integer.parseInt(statusLine.substring(9, 12)), Map.copyOf(headers),
                new String(body, StandardCharsets.UTF_8));
    }

    private static byte[] exactly(InputStream in, int length) throws IOException {
        byte[] bytes = in.readNBytes(length);
        if (bytes.length < length) {
            throw new EOFException("the body ended after " + bytes.length + " of " + length + " bytes");
        }
        return bytes;
    }

    private static String line(InputStream in) throws IOException {
        StringBuilder line = new StringBuilder();
        int c = in.read();
        if (c < 0) {
            throw new EOFException("the server closed the connection without an answer");
        }
        for (; c >= 0 && c != '\n'; c = in.read()) {
            if (c != '\r') {
                line.append((char) c);
            }
        }
        return line.toString();
    }
}
