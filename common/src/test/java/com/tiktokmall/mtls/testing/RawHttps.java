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
