package com.tiktokmall.mtls.testing;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLEngineResult.HandshakeStatus;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLServerSocket;
import javax.net.ssl.SSLSocket;

/**
 * One real TLS handshake between a client and a server context, with what each side raised:
 * over loopback sockets (the JDK's {@code SSLSocket} code paths) or between two {@link SSLEngine}s
 * in memory (the engine paths Jetty and the JDK's HttpClient take). Unlike a client-only test,
 * it shows the reason the refusing side gave.
 */
public final class HandshakePair {
    private static final int TIMEOUT_MILLIS = 10_000;
    private static final ByteBuffer NOTHING = ByteBuffer.allocate(0);

    /**
     * What each side raised ({@code null} for none), and whether application data then reached the
     * client, which proves that both sides completed their handshake.
     */
    public record Outcome(Throwable client, Throwable server, boolean completed) {
        public boolean succeeded() {
            return completed && client == null && server == null;
        }
    }

    private HandshakePair() {
    }

    /**
     * A handshake over loopback sockets; the client then reads, so that a refusal the server sends
     * after a TLS 1.3 client has finished reaches the client too.
     */
    public static Outcome overSockets(SSLContext client, SSLParameters clientParameters, String host,
                                      SSLContext server, SSLParameters serverParameters) throws IOException {
        try (SSLServerSocket listener = (SSLServerSocket) server.getServerSocketFactory()
                .createServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            listener.setSSLParameters(serverParameters);
            listener.setSoTimeout(TIMEOUT_MILLIS);
            CompletableFuture<Throwable> serverSide = CompletableFuture.supplyAsync(() -> {
                try (SSLSocket accepted = (SSLSocket) listener.accept()) {
                    accepted.setSoTimeout(TIMEOUT_MILLIS);
                    accepted.startHandshake();
                    accepted.getOutputStream().write('!');
                    accepted.getOutputStream().flush();
                    return null;
                } catch (IOException e) {
                    return e;
                }
            });
            Throwable clientSide = null;
            boolean completed = false;
            try (Socket plain = new Socket(InetAddress.getLoopbackAddress(), listener.getLocalPort());
                 SSLSocket socket = (SSLSocket) client.getSocketFactory().createSocket(plain, host,
                         listener.getLocalPort(), true)) {
                socket.setSoTimeout(TIMEOUT_MILLIS);
                socket.setSSLParameters(clientParameters);
                socket.startHandshake();
                InputStream in = socket.getInputStream();
                completed = in.read() == '!';
            } catch (IOException e) {
                clientSide = e;
            }
            return new Outcome(clientSide, serverSide.get(TIMEOUT_MILLIS, TimeUnit.MILLISECONDS), completed);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException(e);
        } catch (ExecutionException | TimeoutException e) {
            throw new IOException("the server side did not finish", e);
        }
    }

    /** A handshake between two engines, the client's dialling {@code host}, records passed in memory. */
    public static Outcome overEngines(SSLContext client, SSLParameters clientParameters, String host,
                                      SSLContext server, SSLParameters serverParameters) {
        Side clientSide = new Side(client.createSSLEngine(host, 443), true, clientParameters);
        Side serverSide = new Side(server.createSSLEngine(), false, serverParameters);
        for (int round = 0; round < 100; round++) {
            boolean progress = clientSide.step(serverSide.sent);
            progress |= serverSide.step(clientSide.sent);
            if (!progress) {
                break;
            }
        }
        boolean completed = false;
        if (clientSide.failure == null && serverSide.failure == null) {
            serverSide.send("!");
            clientSide.step(serverSide.sent);
            completed = clientSide.delivered.equals("!");
        }
        return new Outcome(clientSide.failure, serverSide.failure, completed);
    }

    /** One engine with the records it has sent and not yet been read by its peer. */
    private static final class Side {
        private final SSLEngine engine;
        private final ByteBuffer sent;
        private final ByteBuffer application;
        private Throwable failure;
        private String delivered = "";

        Side(SSLEngine engine, boolean client, SSLParameters parameters) {
            this.engine = engine;
            engine.setUseClientMode(client);
            engine.setSSLParameters(parameters);
            this.sent = ByteBuffer.allocate(engine.getSession().getPacketBufferSize() * 8);
            this.application = ByteBuffer.allocate(engine.getSession().getApplicationBufferSize() * 2);
            try {
                engine.beginHandshake();
            } catch (SSLException e) {
                failure = e;
            }
        }

        void send(String data) {
            try {
                engine.wrap(ByteBuffer.wrap(data.getBytes(StandardCharsets.US_ASCII)), sent);
            } catch (SSLException e) {
                failure = e;
            }
        }

        /** Runs, wraps and unwraps until the engine can do nothing more with what {@code received} holds. */
        boolean step(ByteBuffer received) {
            boolean progress = false;
            int failures = 0;
            for (int i = 0; i < 50 && failures < 3 && !(engine.isInboundDone() && engine.isOutboundDone()); i++) {
                try {
                    HandshakeStatus status = engine.getHandshakeStatus();
                    if (status == HandshakeStatus.NEED_TASK) {
                        for (Runnable task = engine.getDelegatedTask(); task != null; task = engine.getDelegatedTask()) {
                            task.run();
                        }
                    } else if (status == HandshakeStatus.NEED_WRAP && !engine.isOutboundDone()) {
                        if (engine.wrap(NOTHING, sent).bytesProduced() == 0) {
                            break;
                        }
                    } else if (received.position() > 0 && !engine.isInboundDone()) {
                        received.flip();
                        int consumed = engine.unwrap(received, application).bytesConsumed();
                        received.compact();
                        application.flip();
                        delivered += StandardCharsets.US_ASCII.decode(application);
                        application.clear();
                        if (consumed == 0 && engine.getHandshakeStatus() == status) {
                            break;
                        }
                    } else {
                        break;
                    }
                    progress = true;
                } catch (SSLException e) {
                    if (failure == null) {
                        failure = e;
                    }
                    failures++;
                    progress = true;
                }
            }
            return progress;
        }
    }
}
