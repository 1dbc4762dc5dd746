package com.tiktokmall.mtls.testing;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLServerSocket;
import javax.net.ssl.SSLSocket;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.security.cert.X509Certificate;

/**
 * A bare JSSE HTTPS server on loopback, outside Dropwizard: it answers every request with the
 * subject of the client's certificate. For tests of clients against servers the library itself
 * would refuse to build.
 */
public final class TlsEchoServer implements AutoCloseable {
    private final SSLServerSocket socket;
    private final Thread acceptor;

    private TlsEchoServer(SSLServerSocket socket) {
        this.socket = socket;
        this.acceptor = new Thread(this::serve, "tls-echo-" + socket.getLocalPort());
        this.acceptor.setDaemon(true);
        this.acceptor.start();
    }

    /** Serves with {@code context} and {@code parameters} (which say whether client auth is needed). */
    public static TlsEchoServer start(SSLContext context, SSLParameters parameters) throws IOException {
        SSLServerSocket socket = (SSLServerSocket) context.getServerSocketFactory()
                .createServerSocket(0, 50, InetAddress.getLoopbackAddress());
        socket.setSSLParameters(parameters);
        return new TlsEchoServer(socket);
    }

    public int port() {
        return socket.getLocalPort();
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }

    private void serve() {
        while (!socket.isClosed()) {
            try (SSLSocket connection = (SSLSocket) socket.accept()) {
                connection.setSoTimeout(10_000);
                connection.startHandshake();
                answer(connection);
            } catch (IOException refusedOrClosed) {
                // the client was refused, or the server is closing: serve the next one
            }
        }
    }

    private static void answer(SSLSocket connection) throws IOException {
        BufferedReader in = new BufferedReader(new InputStreamReader(connection.getInputStream(), StandardCharsets.US_ASCII));
        for (String line = in.readLine(); line != null && !line.isEmpty(); line = in.readLine()) {
            // skip the request head
        }
        String peer = ((X509Certificate) connection.getSession().getPeerCertificates()[0])
                .getSubjectX500Principal().getName();
        byte[] body = ("{\"peer\":\"" + peer + "\"}").getBytes(StandardCharsets.UTF_8);
        OutputStream out = connection.getOutputStream();
        out.write(("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: " + body.length
                + "\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
        out.write(body);
        out.flush();
    }
}
