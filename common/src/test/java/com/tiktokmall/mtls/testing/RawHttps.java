package com.tiktokmall.mtls.testing;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
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
        Socket plain = connect(port);
        SSLSocket socket = (SSLSocket) context.getSocketFactory().createSocket(plain, host, port, true);
        var parameters = socket.getSSLParameters();
        parameters.setEndpointIdentificationAlgorithm("HTTPS");
        socket.setSSLParameters(parameters);
        socket.startHandshake();
        return exchange(socket, host, path);
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
            OutputStream out = socket.getOutputStream();
            out.write(("GET " + path + " HTTP/1.1\r\nHost: " + host + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            out.flush();
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
