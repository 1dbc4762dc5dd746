package com.tiktokmall.mtls.testing;

import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsExchange;
import com.sun.net.httpserver.HttpsParameters;
import com.sun.net.httpserver.HttpsServer;
import com.tiktokmall.mtls.MtlsContext;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSession;

/**
 * A stand-in for another service on a fixed port, over real TLS with the given context, that
 * answers every call with one status and body and remembers what reached it.
 */
public final class FakeService implements AutoCloseable {
    private final HttpsServer server;
    private final List<Received> received;

    private FakeService(HttpsServer server, List<Received> received) {
        this.server = server;
        this.received = received;
    }

    /** One request as it reached the fake: who sent it (the client certificate's URI SANs) and what. */
    public record Received(String method, String path, String body, List<String> clientUris) {
    }

    /** How many HTTP requests reached it: zero when every handshake was refused. */
    public int requests() {
        return received.size();
    }

    /** Every request that reached it, in order. */
    public List<Received> received() {
        return List.copyOf(received);
    }

    public static FakeService start(int port, MtlsContext tls, int status, String body) throws IOException {
        HttpsServer server = HttpsServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 0);
        server.setHttpsConfigurator(new HttpsConfigurator(tls.sslContext()) {
            @Override
            public void configure(HttpsParameters parameters) {
                parameters.setSSLParameters(tls.sslParameters());
            }
        });
        List<Received> received = new CopyOnWriteArrayList<>();
        server.createContext("/", exchange -> {
            received.add(new Received(exchange.getRequestMethod(), exchange.getRequestURI().getPath(),
                    new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8),
                    clientUris(((HttpsExchange) exchange).getSSLSession())));
            byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().add("Content-Type", "application/json");
            exchange.sendResponseHeaders(status, bytes.length);
            exchange.getResponseBody().write(bytes);
            exchange.close();
        });
        server.start();
        return new FakeService(server, received);
    }

    private static List<String> clientUris(SSLSession session) {
        try {
            X509Certificate client = (X509Certificate) session.getPeerCertificates()[0];
            return client.getSubjectAlternativeNames().stream().filter(san -> (Integer) san.get(0) == 6)
                    .map(san -> (String) san.get(1)).toList();
        } catch (SSLPeerUnverifiedException | CertificateParsingException e) {
            return List.of();
        }
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
