package com.tiktokmall.mtls.reload;

import com.tiktokmall.mtls.Identity;
import com.tiktokmall.mtls.MtlsContext;
import com.tiktokmall.mtls.TlsException;
import com.tiktokmall.mtls.TrustBundle;
import io.grpc.ConnectivityState;
import io.grpc.Context;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.stub.MetadataUtils;
import io.grpc.stub.StreamObserver;
import io.spiffe.exception.X509SvidException;
import io.spiffe.svid.x509svid.X509Svid;
import io.spiffe.workloadapi.grpc.SpiffeWorkloadAPIGrpc;
import io.spiffe.workloadapi.grpc.Workload;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.Provider;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * TLS material from the SPIFFE Workload API (the SPIRE agent's Unix socket) instead of files:
 * the X.509-SVID presented in both roles and the bundle of its trust domain as the CAs trusted
 * for peers. Each SVID the agent pushes is checked exactly like files (key match, valid now,
 * chained to the bundle, EKU for each role, the CRLs of {@code crl} if set) and then handed to
 * the same {@link TlsMaterialSource} that files feed, so connectors, clients, health checks and
 * the closing of connections the new trust refuses follow it unchanged.
 *
 * <pre>{@code
 * WorkloadApiFeed feed = WorkloadApiFeed.at(URI.create("unix:///run/spire/agent.sock")).build();
 * TlsMaterialSource source = feed.start(); // fails closed without an SVID within the timeout
 * }</pre>
 *
 * <p>The stream is watched here rather than through java-spiffe's {@code X509Source}, whose
 * watcher retries a lost agent silently: here a lost agent makes {@link TlsMaterialSource#lastFailure()}
 * say since when, the SVID in use stays until it expires, and the stream is opened again with
 * backoff until the agent answers.
 */
public final class WorkloadApiFeed implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(WorkloadApiFeed.class);
    /** What a real agent requires of every call, so that a browser or an SSRF cannot ask it. */
    private static final Metadata.Key<String> SECURITY_HEADER =
            Metadata.Key.of("workload.spiffe.io", Metadata.ASCII_STRING_MARSHALLER);

    private final URI socket;
    private final Builder options;
    private final ManagedChannel channel;
    private final SpiffeWorkloadAPIGrpc.SpiffeWorkloadAPIStub stub;
    private final ScheduledExecutorService retries;
    private final CompletableFuture<TlsMaterial> first = new CompletableFuture<>();
    private volatile TlsMaterialSource source;
    private volatile Context.CancellableContext stream;
    private volatile Instant unreachableSince;
    private volatile Throwable lastError;
    private volatile boolean closed;
    private volatile Duration delay;
    private Workload.X509SVIDResponse pending; // pushed after the first SVID, before start() made the source

    private WorkloadApiFeed(Builder builder) {
        this.socket = builder.socket;
        this.options = builder;
        this.delay = builder.initialBackoff;
        Metadata headers = new Metadata();
        headers.put(SECURITY_HEADER, "true");
        this.channel = Grpc.newChannelBuilder(socket.toString(), InsecureChannelCredentials.create())
                .intercept(MetadataUtils.newAttachHeadersInterceptor(headers))
                .build();
        this.stub = SpiffeWorkloadAPIGrpc.newStub(channel);
        this.retries = Executors.newSingleThreadScheduledExecutor(runnable -> {
            Thread thread = new Thread(runnable, "workload-api-retry");
            thread.setDaemon(true);
            return thread;
        });
    }

    /** A feed from the Workload API at {@code socket}, {@code unix:///path}; see {@link Builder}. */
    public static Builder at(URI socket) {
        return new Builder(socket);
    }

    /**
     * The {@code SPIFFE_ENDPOINT_SOCKET} of the environment, the agent's address by convention.
     *
     * @throws TlsException when it is not set
     */
    public static URI socketFromEnvironment() {
        String value = System.getenv("SPIFFE_ENDPOINT_SOCKET");
        if (value == null || value.isBlank()) {
            throw TlsException.inSetting("tls.workload_api_socket", "is not set, and neither is SPIFFE_ENDPOINT_SOCKET",
                    "set tls.workload_api_socket: unix:///path/to/agent.sock or the environment variable");
        }
        return parseSocket(value);
    }

    /**
     * A {@code unix:} socket address.
     *
     * @throws TlsException for anything else
     */
    public static URI parseSocket(String value) {
        URI uri;
        try {
            uri = URI.create(value.trim());
        } catch (IllegalArgumentException e) {
            uri = null;
        }
        if (uri == null || !"unix".equals(uri.getScheme()) || uri.getPath() == null || uri.getPath().isEmpty()) {
            throw TlsException.inSetting("tls.workload_api_socket", "is " + value + ", not a unix:///path address",
                    "name the agent's socket, e.g. unix:///run/spire/sockets/agent.sock");
        }
        return uri;
    }

    /** Where the agent is. */
    public URI socket() {
        return socket;
    }

    /**
     * Opens the stream and waits for the first SVID, then feeds every later one to the returned
     * source.
     *
     * @throws TlsException in one line, when no good SVID came within the timeout (the feed is closed then)
     */
    public TlsMaterialSource start() {
        subscribe();
        TlsMaterial initial;
        try {
            initial = first.get(options.timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            close();
            Path path = Path.of(socket.getPath());
            throw TlsException.inSetting("tls.workload_api_socket", Files.exists(path)
                            ? "the Workload API at " + socket + " gave no SVID within " + seconds(options.timeout)
                            + (lastError == null ? "" : " (" + describe(lastError) + ")")
                            : "there is no socket at " + path + " (waited " + seconds(options.timeout) + ")",
                    "check that the SPIRE agent runs, its socket is mounted there, and this workload has a registration entry");
        } catch (ExecutionException e) {
            close();
            throw e.getCause() instanceof TlsException tls ? tls
                    : TlsException.inSetting("tls.workload_api_socket", "the SVID from " + socket + " cannot be used: "
                    + describe(e.getCause()), null);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            close();
            throw TlsException.invalid("interrupted while waiting for the Workload API at " + socket, null);
        }
        TlsMaterialSource built = TlsMaterialSource.pushed(initial).checkEvery(options.interval).clock(options.clock).build();
        Workload.X509SVIDResponse next;
        synchronized (this) {
            source = built;
            next = pending;
            pending = null;
        }
        LOG.info("TLS material from the Workload API at {}: {}", socket, initial);
        if (next != null) {
            built.offer(() -> material(next));
        }
        return built;
    }

    /** Ends the stream and the channel. */
    @Override
    public void close() {
        closed = true;
        Context.CancellableContext open = stream;
        if (open != null) {
            open.cancel(null);
        }
        retries.shutdownNow();
        channel.shutdownNow();
    }

    private void subscribe() {
        if (closed) {
            return;
        }
        Context.CancellableContext context = Context.current().withCancellation();
        stream = context;
        context.run(() -> stub.fetchX509SVID(Workload.X509SVIDRequest.getDefaultInstance(), new Observer()));
    }

    private final class Observer implements StreamObserver<Workload.X509SVIDResponse> {
        @Override
        public void onNext(Workload.X509SVIDResponse response) {
            delay = options.initialBackoff;
            if (unreachableSince != null) {
                LOG.info("the Workload API at {} answers again (unreachable since {})", socket, unreachableSince);
                unreachableSince = null;
            }
            if (!first.isDone()) {
                try {
                    first.complete(material(response));
                } catch (RuntimeException e) {
                    lastError = e;
                    if (e instanceof TlsException) {
                        first.completeExceptionally(e); // a bad SVID at start-up: fail closed at once
                    }
                }
                return;
            }
            TlsMaterialSource target;
            synchronized (WorkloadApiFeed.this) {
                target = source;
                if (target == null) {
                    pending = response;
                    return;
                }
            }
            if (target.offer(() -> material(response))) {
                LOG.info("new SVID from the Workload API at {}", socket);
            }
        }

        @Override
        public void onError(Throwable error) {
            lost(error);
        }

        @Override
        public void onCompleted() {
            lost(new IllegalStateException("the agent ended the stream"));
        }
    }

    private void lost(Throwable error) {
        if (closed) {
            return;
        }
        lastError = error;
        TlsMaterialSource target = source;
        if (unreachableSince == null) {
            unreachableSince = options.clock.instant();
            if (target != null) {
                Instant expiry = target.current().server().identity().certificate().getNotAfter().toInstant();
                target.interrupted(TlsException.invalid("the Workload API at " + socket + " is unreachable since "
                        + unreachableSince + " (" + describe(error) + "): the SVID in use expires at " + expiry, null));
            }
        } else {
            LOG.debug("the Workload API at {} is still unreachable: {}", socket, describe(error));
        }
        Duration wait = delay;
        delay = delay.multipliedBy(2).compareTo(options.maxBackoff) > 0 ? options.maxBackoff : delay.multipliedBy(2);
        try {
            retries.schedule(() -> {
                if (channel.getState(false) == ConnectivityState.TRANSIENT_FAILURE) {
                    channel.resetConnectBackoff(); // our backoff, not the channel's (up to 2 minutes), decides
                }
                subscribe();
            }, wait.toMillis(), TimeUnit.MILLISECONDS);
        } catch (RuntimeException e) {
            LOG.debug("no retry: the feed is closed", e);
        }
    }

    /** The SVID (the first, the default one) and its trust domain's bundle, checked as files are. */
    private TlsMaterial material(Workload.X509SVIDResponse response) {
        if (response.getSvidsCount() == 0) {
            throw TlsException.invalid("the Workload API at " + socket + " sent no SVID for this workload",
                    "make a registration entry for it");
        }
        Workload.X509SVID svid = response.getSvids(0);
        X509Svid parsed;
        try {
            parsed = X509Svid.parseRaw(svid.getX509Svid().toByteArray(), svid.getX509SvidKey().toByteArray());
        } catch (X509SvidException e) {
            throw TlsException.invalid("the SVID " + svid.getSpiffeId() + " from " + socket + " is not valid: "
                    + e.getMessage(), null, e);
        }
        String trustDomain = parsed.getSpiffeId().getTrustDomain().getName();
        if (!trustDomain.equals(options.trustDomain)) {
            throw TlsException.inSetting("tls.trust_domain", "is " + options.trustDomain + ", but the Workload API at "
                    + socket + " issued " + parsed.getSpiffeId(), "set tls.trust_domain: " + trustDomain);
        }
        TrustBundle bundle = TrustBundle.of(certificates(svid.getBundle().newInput()));
        if (options.crl != null) {
            bundle = bundle.withCrls(options.crl, options.clock);
        }
        Identity identity = Identity.of(parsed.getPrivateKey(), parsed.getChain());
        return TlsMaterial.of(identity, bundle, options.protocols, options.provider, options.sessionTimeout, options.clock);
    }

    private List<X509Certificate> certificates(InputStream der) {
        try {
            List<X509Certificate> certificates = new ArrayList<>();
            for (var certificate : CertificateFactory.getInstance("X.509").generateCertificates(der)) {
                certificates.add((X509Certificate) certificate);
            }
            return certificates;
        } catch (CertificateException e) {
            throw TlsException.invalid("the bundle from the Workload API at " + socket + " is not DER certificates: "
                    + e.getMessage(), null, e);
        } finally {
            try {
                der.close();
            } catch (IOException ignored) {
                // a byte array
            }
        }
    }

    private static String describe(Throwable error) {
        return error.getMessage() == null ? error.getClass().getSimpleName() : error.getMessage();
    }

    private static String seconds(Duration duration) {
        return duration.toMillis() % 1000 == 0 ? duration.toSeconds() + " s" : duration.toMillis() + " ms";
    }

    /** Options of a {@link WorkloadApiFeed}; each method names its default. */
    public static final class Builder {
        private final URI socket;
        private String trustDomain = "tiktokmall.local";
        private Duration timeout = Duration.ofSeconds(10);
        private Duration initialBackoff = Duration.ofSeconds(1);
        private Duration maxBackoff = Duration.ofSeconds(30);
        private Duration interval = Duration.ofSeconds(30);
        private Path crl;
        private List<String> protocols = MtlsContext.DEFAULT_PROTOCOLS;
        private Provider provider;
        private Duration sessionTimeout = MtlsContext.DEFAULT_SESSION_TIMEOUT;
        private Clock clock = Clock.systemUTC();

        private Builder(URI socket) {
            this.socket = Objects.requireNonNull(socket, "socket");
        }

        /** The trust domain the SVID must belong to; default {@code tiktokmall.local}. */
        public Builder trustDomain(String trustDomain) {
            this.trustDomain = Objects.requireNonNull(trustDomain, "trustDomain");
            return this;
        }

        /** How long start-up waits for the first SVID; default 10 s. */
        public Builder timeout(Duration timeout) {
            this.timeout = timeout;
            return this;
        }

        /** The first and the longest wait before opening a lost stream again (doubling); default 1 s and 30 s. */
        public Builder backoff(Duration initial, Duration max) {
            this.initialBackoff = initial;
            this.maxBackoff = max;
            return this;
        }

        /** The source's check interval (expired peers are closed this often); default 30 s. */
        public Builder checkEvery(Duration interval) {
            this.interval = interval;
            return this;
        }

        /** A PEM file with one current CRL per CA of the bundle; default none. */
        public Builder crl(Path crl) {
            this.crl = crl;
            return this;
        }

        /** Default {@code [TLSv1.3, TLSv1.2]}. */
        public Builder protocols(List<String> protocols) {
            this.protocols = List.copyOf(protocols);
            return this;
        }

        /** Default {@code null}: the JDK's own JSSE. */
        public Builder provider(Provider provider) {
            this.provider = provider;
            return this;
        }

        /** Default 1 hour. */
        public Builder sessionTimeout(Duration sessionTimeout) {
            this.sessionTimeout = sessionTimeout;
            return this;
        }

        /** Default the system clock. */
        public Builder clock(Clock clock) {
            this.clock = Objects.requireNonNull(clock, "clock");
            return this;
        }

        public WorkloadApiFeed build() {
            return new WorkloadApiFeed(this);
        }
    }
}
