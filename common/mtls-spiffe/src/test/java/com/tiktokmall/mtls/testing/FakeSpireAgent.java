package com.tiktokmall.mtls.testing;

import com.google.protobuf.ByteString;
import io.grpc.Metadata;
import io.grpc.Server;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.Status;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.netty.shaded.io.netty.channel.EventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollEventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollServerDomainSocketChannel;
import io.grpc.netty.shaded.io.netty.channel.unix.DomainSocketAddress;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import io.spiffe.workloadapi.grpc.SpiffeWorkloadAPIGrpc;
import io.spiffe.workloadapi.grpc.Workload;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.CertificateEncodingException;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;

/**
 * A SPIFFE Workload API server on a Unix socket, as the SPIRE agent serves it to one workload:
 * it requires the {@code workload.spiffe.io: true} header (a call without it gets
 * {@code INVALID_ARGUMENT}, like the real agent), streams the current X.509-SVID and bundle to
 * every {@code FetchX509SVID} caller, and pushes a new one on {@link #rotate()}. SVIDs are
 * URI-only (empty subject) and short-lived, as SPIRE issues them.
 *
 * <pre>{@code
 * FakeSpireAgent agent = FakeSpireAgent.serving("order", pki.ca(), dir.resolve("order.sock")).start();
 * TlsSource source = WorkloadApiSource.at(agent.address()).connect(); // or a service's Workload API socket setting
 * agent.rotate();
 * }</pre>
 */
public final class FakeSpireAgent implements AutoCloseable {
    private static final Metadata.Key<String> SECURITY_HEADER =
            Metadata.Key.of("workload.spiffe.io", Metadata.ASCII_STRING_MARSHALLER);

    private final String service;
    private final Path socket;
    private final Set<ServerCallStreamObserver<Workload.X509SVIDResponse>> streams = ConcurrentHashMap.newKeySet();
    private volatile Duration lifetime = Duration.ofSeconds(20);
    private volatile TestCa signer;
    private volatile List<TestCa> bundle;
    private volatile TestCert current;
    private final List<TestCert> issued = new CopyOnWriteArrayList<>();
    private Duration rotateEvery;
    private ScheduledExecutorService rotations;
    private final AtomicInteger refusedCalls = new AtomicInteger();
    private Server server;
    private EventLoopGroup boss;
    private EventLoopGroup workers;

    private FakeSpireAgent(String service, TestCa ca, Path socket) {
        this.service = service;
        this.signer = ca;
        this.bundle = List.of(ca);
        this.socket = socket;
    }

    /** An agent giving {@code service} SVIDs from {@code ca} on {@code socket}; not started yet. */
    public static FakeSpireAgent serving(String service, TestCa ca, Path socket) {
        return new FakeSpireAgent(service, ca, socket);
    }

    /** How long each SVID is valid; default 20 s. */
    public FakeSpireAgent lifetime(Duration lifetime) {
        this.lifetime = lifetime;
        return this;
    }

    /**
     * Rotates by itself every {@code period} while started, as SPIRE renews SVIDs before they
     * expire; default never (only {@link #rotate()}).
     */
    public FakeSpireAgent rotateEvery(Duration period) {
        this.rotateEvery = period;
        return this;
    }

    /**
     * A new directory for sockets: Unix socket paths are limited to about 100 bytes, too few for
     * a test's temporary directory. Empty again once the agents in it are closed (they remove
     * their sockets), and deleted when the JVM exits.
     */
    public static Path socketDirectory() {
        try {
            Path dir = Files.createTempDirectory(Path.of("/tmp"), "spire");
            dir.toFile().deleteOnExit();
            return dir;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** {@code unix://<socket>}, for {@code WorkloadApiSource.at} or a service's Workload API socket setting. */
    public URI address() {
        return URI.create("unix://" + socket.toAbsolutePath());
    }

    /** Listens on the socket, with a fresh SVID; again after {@link #stop()} (an agent restarted). */
    public synchronized FakeSpireAgent start() {
        issue();
        try {
            Files.createDirectories(socket.getParent());
            Files.deleteIfExists(socket);
            boss = new EpollEventLoopGroup(1);
            workers = new EpollEventLoopGroup(1);
            server = NettyServerBuilder.forAddress(new DomainSocketAddress(socket.toString()))
                    .channelType(EpollServerDomainSocketChannel.class)
                    .bossEventLoopGroup(boss)
                    .workerEventLoopGroup(workers)
                    .addService(ServerInterceptors.intercept(new WorkloadApi(), new RequireSecurityHeader()))
                    .build()
                    .start();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        if (rotateEvery != null) {
            rotations = Executors.newSingleThreadScheduledExecutor();
            rotations.scheduleAtFixedRate(this::rotate, rotateEvery.toMillis(), rotateEvery.toMillis(), TimeUnit.MILLISECONDS);
        }
        return this;
    }

    /** The agent goes away: open streams are cut, the socket refuses connections. */
    public synchronized void stop() {
        if (server == null) {
            return;
        }
        if (rotations != null) {
            rotations.shutdownNow();
            rotations = null;
        }
        server.shutdownNow();
        try {
            server.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        boss.shutdownGracefully(0, 0, TimeUnit.SECONDS).syncUninterruptibly();
        workers.shutdownGracefully(0, 0, TimeUnit.SECONDS).syncUninterruptibly();
        streams.clear();
        server = null;
        try {
            Files.deleteIfExists(socket);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void close() {
        stop();
    }

    /** Issues a new SVID and pushes it, with the current bundle, to every open stream. */
    public synchronized TestCert rotate() {
        TestCert next = issue();
        Workload.X509SVIDResponse response = response();
        for (ServerCallStreamObserver<Workload.X509SVIDResponse> stream : streams) {
            if (stream.isCancelled()) {
                streams.remove(stream);
            } else {
                stream.onNext(response);
            }
        }
        return next;
    }

    /**
     * From now on the bundle is {@code trusted} and SVIDs come from {@code signer}; pushes a new
     * SVID at once.
     */
    public synchronized TestCert trust(TestCa signer, TestCa... trusted) {
        this.signer = signer;
        this.bundle = List.of(trusted);
        return rotate();
    }

    /** The SVID given out now. */
    public TestCert current() {
        return current;
    }

    /** The serials of {@code svid} and of every SVID issued after it. */
    public Set<BigInteger> serialsSince(TestCert svid) {
        List<TestCert> all = List.copyOf(issued);
        return all.subList(all.indexOf(svid), all.size()).stream()
                .map(cert -> cert.certificate().getSerialNumber()).collect(Collectors.toSet());
    }

    /** How many streams are open now. */
    public int openStreams() {
        streams.removeIf(ServerCallStreamObserver::isCancelled);
        return streams.size();
    }

    /** How many calls came without the security header. */
    public int refusedCalls() {
        return refusedCalls.get();
    }

    private TestCert issue() {
        Instant now = Instant.now();
        current = signer.leaf(service).svid().validity(now.minusSeconds(5), now.plus(lifetime)).issue();
        issued.add(current);
        return current;
    }

    private Workload.X509SVIDResponse response() {
        TestCert svid = current;
        try {
            ByteString.Output chain = ByteString.newOutput();
            for (X509Certificate certificate : svid.chain()) {
                chain.write(certificate.getEncoded());
            }
            ByteString.Output cas = ByteString.newOutput();
            for (TestCa ca : bundle) {
                cas.write(ca.certificate().getEncoded());
            }
            return Workload.X509SVIDResponse.newBuilder().addSvids(Workload.X509SVID.newBuilder()
                    .setSpiffeId("spiffe://" + LeafBuilder.TRUST_DOMAIN + "/" + service)
                    .setX509Svid(chain.toByteString())
                    .setX509SvidKey(ByteString.copyFrom(svid.privateKey().getEncoded()))
                    .setBundle(cas.toByteString()))
                    .build();
        } catch (CertificateEncodingException | IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private final class WorkloadApi extends SpiffeWorkloadAPIGrpc.SpiffeWorkloadAPIImplBase {
        @Override
        public void fetchX509SVID(Workload.X509SVIDRequest request, StreamObserver<Workload.X509SVIDResponse> observer) {
            ServerCallStreamObserver<Workload.X509SVIDResponse> stream =
                    (ServerCallStreamObserver<Workload.X509SVIDResponse>) observer;
            stream.setOnCancelHandler(() -> streams.remove(stream));
            synchronized (FakeSpireAgent.this) {
                stream.onNext(response());
                streams.add(stream);
            }
        }
    }

    private final class RequireSecurityHeader implements ServerInterceptor {
        @Override
        public <Q, A> ServerCall.Listener<Q> interceptCall(ServerCall<Q, A> call, Metadata headers,
                                                           ServerCallHandler<Q, A> next) {
            if (!"true".equals(headers.get(SECURITY_HEADER))) {
                refusedCalls.incrementAndGet();
                call.close(Status.INVALID_ARGUMENT.withDescription("security header missing from request"), new Metadata());
                return new ServerCall.Listener<>() { };
            }
            return next.startCall(call, headers);
        }
    }
}
