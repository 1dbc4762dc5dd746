package com.tiktokmall.mtls.testing;

import java.io.IOException;
import java.net.InetAddress;
import java.net.Socket;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocketFactory;

/**
 * pgjdbc's {@code sslfactory} for {@link PostgresServer#connect}: the sockets of a plain JSSE
 * context registered under a random id ({@code sslfactoryarg}), without any of this project's code.
 */
public final class RawPgSocketFactory extends SSLSocketFactory {
    private static final Map<String, SSLContext> CONTEXTS = new ConcurrentHashMap<>();

    private final SSLSocketFactory sockets;

    public RawPgSocketFactory(Properties info) {
        this.sockets = CONTEXTS.get(info.getProperty("sslfactoryarg")).getSocketFactory();
    }

    static String register(SSLContext context) {
        String id = UUID.randomUUID().toString();
        CONTEXTS.put(id, context);
        return id;
    }

    @Override
    public Socket createSocket(Socket socket, String host, int port, boolean autoClose) throws IOException {
        return sockets.createSocket(socket, host, port, autoClose);
    }

    @Override
    public Socket createSocket(String host, int port) throws IOException {
        return sockets.createSocket(host, port);
    }

    @Override
    public Socket createSocket(String host, int port, InetAddress localHost, int localPort) throws IOException {
        return sockets.createSocket(host, port, localHost, localPort);
    }

    @Override
    public Socket createSocket(InetAddress host, int port) throws IOException {
        return sockets.createSocket(host, port);
    }

    @Override
    public Socket createSocket(InetAddress address, int port, InetAddress localAddress, int localPort)
            throws IOException {
        return sockets.createSocket(address, port, localAddress, localPort);
    }

    @Override
    public String[] getDefaultCipherSuites() {
        return sockets.getDefaultCipherSuites();
    }

    @Override
    public String[] getSupportedCipherSuites() {
        return sockets.getSupportedCipherSuites();
    }
}
