package com.tiktokmall.order.client;

import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsParameters;
import com.sun.net.httpserver.HttpsServer;
import com.tiktokmall.mtls.MtlsContext;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicInteger;

/** A stand-in for auth on a fixed port that answers every call with one status and body. */
final class FakeAuth implements AutoCloseable {
    private final HttpsServer server;
    private final AtomicInteger requests;

    private FakeAuth(HttpsServer server, AtomicInteger requests) {
        this.server = server;
        this.requests = requests;
    }

    /** How many HTTP requests reached it: zero when every handshake was refused. */
    int requests() {
        return requests.get();
    }

    static FakeAuth start(int port, MtlsContext tls, int status, String body) throws IOException {
        HttpsServer server = HttpsServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 0);
        server.setHttpsConfigurator(new HttpsConfigurator(tls.sslContext()) {
            @Override
            public void configure(HttpsParameters parameters) {
                parameters.setSSLParameters(tls.sslParameters());
            }
        });
        AtomicInteger requests = new AtomicInteger();
        server.createContext("/", exchange -> {
            requests.incrementAndGet();
            byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().add("Content-Type", "application/json");
            exchange.sendResponseHeaders(status, bytes.length);
            exchange.getResponseBody().write(bytes);
            exchange.close();
        });
        server.start();
        return new FakeAuth(server, requests);
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
