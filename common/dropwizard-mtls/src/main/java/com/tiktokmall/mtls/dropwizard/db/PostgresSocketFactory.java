package com.tiktokmall.mtls.dropwizard.db;

import com.tiktokmall.mtls.MtlsContext;

import java.io.IOException;
import java.net.InetAddress;
import java.net.Socket;
import java.util.Properties;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.SSLSocketFactory;

/**
 * pgjdbc's {@code sslfactory} for a database secured by {@link MtlsDatabase}: each connection
 * shakes hands with the client context current at that moment (the client certificate, only
 * {@code ca_cert} and its CRLs trusted, TLS 1.3/1.2, AEAD suites, the server's host name checked
 * against its SANs). pgjdbc creates one per connection through the public {@link Properties}
 * constructor; {@code sslfactoryarg} names the registered material. Not for direct use.
 */
public final class PostgresSocketFactory extends SSLSocketFactory {
    private final DatabaseTls tls;

    /**
     * @param info the connection's properties, with the {@code sslfactoryarg} MtlsDatabase set
     * @throws IllegalStateException when no material is registered under that id
     */
    public PostgresSocketFactory(Properties info) {
        this.tls = DatabaseTls.registered(info.getProperty("sslfactoryarg"));
    }

    @Override
    public Socket createSocket(Socket socket, String host, int port, boolean autoClose) throws IOException {
        MtlsContext client = tls.source().current().client();
        return configured(client, client.sslContext().getSocketFactory().createSocket(socket, host, port, autoClose));
    }

    @Override
    public Socket createSocket(String host, int port) throws IOException {
        MtlsContext client = tls.source().current().client();
        return configured(client, client.sslContext().getSocketFactory().createSocket(host, port));
    }

    @Override
    public Socket createSocket(String host, int port, InetAddress localHost, int localPort) throws IOException {
        MtlsContext client = tls.source().current().client();
        return configured(client, client.sslContext().getSocketFactory().createSocket(host, port, localHost, localPort));
    }

    @Override
    public Socket createSocket(InetAddress host, int port) throws IOException {
        MtlsContext client = tls.source().current().client();
        return configured(client, client.sslContext().getSocketFactory().createSocket(host, port));
    }

    @Override
    public Socket createSocket(InetAddress address, int port, InetAddress localAddress, int localPort) throws IOException {
        MtlsContext client = tls.source().current().client();
        return configured(client, client.sslContext().getSocketFactory().createSocket(address, port, localAddress,
                localPort));
    }

    @Override
    public String[] getDefaultCipherSuites() {
        return tls.source().current().client().cipherSuites().toArray(String[]::new);
    }

    @Override
    public String[] getSupportedCipherSuites() {
        return getDefaultCipherSuites();
    }

    /** Protocols, cipher suites and the HTTPS host-name check (pgjdbc checks the name again after the handshake). */
    private static Socket configured(MtlsContext client, Socket socket) {
        ((SSLSocket) socket).setSSLParameters(client.sslParameters());
        return socket;
    }
}
