package com.tiktokmall.mtls.testing;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

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
        return exchange(connect(port), "localhost", path);
    }

    private static Socket connect(int port) throws IOException {
        Socket socket = new Socket();
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
