package com.tiktokmall.mtls.spiffe;

import com.tiktokmall.mtls.Identity;
import com.tiktokmall.mtls.Pem;
import com.tiktokmall.mtls.TlsException;
import com.tiktokmall.mtls.TlsOptions;
import com.tiktokmall.mtls.TrustBundle;
import com.tiktokmall.mtls.source.TlsMaterial;
import com.tiktokmall.mtls.source.TlsSource;
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
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;

/**
 * TLS material from the SPIFFE Workload API (the SPIRE agent's Unix socket) instead of files:
 * the X.509-SVID presented in both roles and the bundle of its trust domain as the CAs trusted
 * for peers. Each SVID the agent pushes is checked exactly like files (key match, valid now,
 * chained to the bundle, EKU for each role, the CRLs of {@link TlsOptions#crl()} if set) and
 * swapped in like new files, so connectors, clients, health checks and the closing of
 * connections the new trust refuses follow it unchanged.
 *
 * <pre>{@code
 * TlsSource source = WorkloadApiSource.at(URI.create("unix:///run/spire/agent.sock"))
 *         .trustDomain("tiktokmall.local").options(options)
 *         .connect(); // fails closed without an SVID within the timeout
 * source.start();
 * }</pre>
 *
 * <p>The stream is watched here rather than through java-spiffe's {@code X509Source}, whose
 * watcher retries a lost agent silently: here a lost agent makes {@link #lastFailure()} say since
 * when, the SVID in use stays until it expires, and the stream is opened again with backoff until
 * the agent answers. {@link #close()} ends the stream, the channel and the checks.
 */
public final class WorkloadApiSource implements TlsSource {
    private static final Logger LOG = LoggerFactory.getLogger(WorkloadApiSource.class);
    /** What a real agent requires of every call, so that a browser or an SSRF cannot ask it. */
    private static final Metadata.Key<String> SECURITY_HEADER =
            Metadata.Key.of("workload.spiffe.io", Metadata.ASCII_STRING_MARSHALLER);

    private final URI socket;
    private final String trustDomain;
    private final Duration timeout;
    private final Duration initialBackoff;
    private final Duration maxBackoff;
    private final TlsOptions tlsOptions;
    private final ManagedChannel channel;
    private final SpiffeWorkloadAPIGrpc.SpiffeWorkloadAPIStub stub;
    private final ScheduledExecutorService retries;
    private final CompletableFuture<TlsMaterial> first = new CompletableFuture<>();
    private volatile TlsSource.Feed source;
    private volatile Context.CancellableContext stream;
    private volatile Instant unreachableSince;
    private volatile Throwable lastError;
    private volatile boolean closed;
    private volatile Duration delay;
    private Workload.X509SVIDResponse pending; // pushed after the first SVID, before start() made the source
    /** The newest SVID the agent sent, offered again when the CRL file changes (also if it was refused). */
    private volatile Workload.X509SVIDResponse latest;
    /** Held while an SVID is offered: a re-check never swaps back an SVID older than the newest. */
    private final Object offering = new Object();
    private volatile String crlDigest;

    private WorkloadApiSource(Builder builder) {
        this.socket = builder.socket;
        this.trustDomain = builder.trustDomain;
        this.timeout = builder.timeout;
        this.initialBackoff = builder.initialBackoff;
        this.maxBackoff = builder.maxBackoff;
        this.tlsOptions = builder.options;
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

    /** A source from the Workload API at {@code socket}, {@code unix:///path}; see {@link Builder}. */
    public static Builder at(URI socket) {
        return new Builder(socket);
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
            throw TlsException.invalid("the Workload API address " + value + " is not a unix:///path address",
                    "name the agent's socket, e.g. unix:///run/spire/sockets/agent.sock");
        }
        return uri;
    }

    /** Where the agent is. */
    public URI socket() {
        return socket;
    }

    /** Opens the stream and waits for the first SVID; every later one is offered to the source. */
    private WorkloadApiSource connect() {
        subscribe();
        TlsMaterial initial;
        try {
            initial = first.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            close();
            Path path = Path.of(socket.getPath());
            throw TlsException.invalid(Files.exists(path)
                            ? "the Workload API at " + socket + " gave no SVID within " + seconds(timeout)
                            + (lastError == null ? "" : " (" + describe(lastError) + ")")
                            : "there is no socket at " + path + " (waited " + seconds(timeout) + ")",
                    "check that the SPIRE agent runs, its socket is mounted there, and this workload has a registration entry");
        } catch (ExecutionException e) {
            close();
            throw e.getCause() instanceof TlsException tls ? tls
                    : TlsException.invalid("the SVID from " + socket + " cannot be used: " + describe(e.getCause()), null);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            close();
            throw TlsException.invalid("interrupted while waiting for the Workload API at " + socket, null);
        }
        TlsSource.Feed built = TlsSource.fed(initial, tlsOptions, "the Workload API at " + socket);
        built.afterEveryCheck(this::checkRevocations);
        Workload.X509SVIDResponse next;
        Instant lostSince;
        synchronized (this) {
            source = built;
            next = pending;
            pending = null;
            lostSince = unreachableSince;
        }
        LOG.info("TLS material from the Workload API at {}: {}", socket, initial);
        if (next != null) {
            offer(built, next);
        }
        if (lostSince != null && stillUnreachableSince(lostSince)) { // dropped before the source existed to be told
            built.interrupted(unreachable(lostSince, lastError, initial));
        }
        return this;
    }

    /** Ends the stream, the channel and the checks; the material in use stays readable. */
    @Override
    public void close() {
        closed = true;
        Context.CancellableContext open = stream;
        if (open != null) {
            open.cancel(null);
        }
        retries.shutdownNow();
        channel.shutdownNow();
        TlsSource started = source;
        if (started != null) {
            started.close();
        }
    }

    @Override
    public TlsMaterial current() {
        return source.current();
    }

    @Override
    public void onChange(Consumer<TlsMaterial> listener) {
        source.onChange(listener);
    }

    @Override
    public void onFailure(Consumer<Throwable> listener) {
        source.onFailure(listener);
    }

    @Override
    public void afterEveryCheck(Runnable task) {
        source.afterEveryCheck(task);
    }

    @Override
    public void start() {
        source.start();
    }

    @Override
    public void check() {
        source.check();
    }

    /** Applies a changed CRL file at once; new SVIDs need no reload (the agent pushes them). */
    @Override
    public String reload(boolean force, Duration timeout) {
        checkRevocations();
        return source.reload(force, timeout);
    }

    @Override
    public TlsOptions options() {
        return source.options();
    }

    @Override
    public Optional<Throwable> lastFailure() {
        return source.lastFailure();
    }

    @Override
    public Optional<Throwable> behind() {
        return source.behind();
    }

    @Override
    public Optional<String> stalled() {
        return source.stalled();
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
            delay = initialBackoff;
            if (unreachableSince != null) {
                LOG.info("the Workload API at {} answers again (unreachable since {})", socket, unreachableSince);
                unreachableSince = null;
            }
            if (!first.isDone()) {
                try {
                    crlDigest = crlDigest();
                    latest = response;
                    first.complete(material(response));
                } catch (RuntimeException e) {
                    lastError = e;
                    if (e instanceof TlsException) {
                        first.completeExceptionally(e); // a bad SVID at start-up: fail closed at once
                    }
                }
                return;
            }
            TlsSource.Feed target;
            synchronized (WorkloadApiSource.this) {
                target = source;
                if (target == null) {
                    pending = response;
                    return;
                }
            }
            if (offer(target, response)) {
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
        TlsSource.Feed target;
        Instant since;
        boolean news;
        synchronized (this) { // with connect(): the loss is told to the source, or connect() tells it
            lastError = error;
            news = unreachableSince == null;
            if (news) {
                unreachableSince = tlsOptions.clock().instant();
            }
            since = unreachableSince;
            target = source;
        }
        if (!news) {
            LOG.debug("the Workload API at {} is still unreachable: {}", socket, describe(error));
        } else if (target != null) {
            target.interrupted(unreachable(since, error, target.current()));
        }
        Duration wait = delay;
        delay = delay.multipliedBy(2).compareTo(maxBackoff) > 0 ? maxBackoff : delay.multipliedBy(2);
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

    private TlsException unreachable(Instant since, Throwable error, TlsMaterial inUse) {
        Instant expiry = inUse.server().identity().certificate().getNotAfter().toInstant();
        return TlsException.invalid("the Workload API at " + socket + " is unreachable since " + since + " ("
                + describe(error) + "): the SVID in use expires at " + expiry, null);
    }

    /**
     * After every check (and on {@link #reload}): when the CRL file of the options has changed,
     * the newest SVID is checked again with it and swapped in, so that a revocation takes effect
     * within one interval, as with files, and an SVID refused for a bad CRL is taken once the CRL
     * is mended. A lost agent stays reported meanwhile.
     */
    private void checkRevocations() {
        synchronized (offering) {
            String digest = crlDigest();
            Workload.X509SVIDResponse svid = latest;
            if (digest.equals(crlDigest) || svid == null) {
                return;
            }
            crlDigest = digest; // a CRL that does not load is reported once, like a file that does not
            if (source.offer(() -> material(svid))) {
                LOG.info("the CRLs of {} changed: the SVID from the Workload API at {} is checked with them",
                        tlsOptions.crl().orElseThrow(), socket);
            }
            Instant lostSince = unreachableSince;
            if (lostSince != null && stillUnreachableSince(lostSince)) {
                source.interrupted(unreachable(lostSince, lastError, source.current()));
            }
        }
    }

    private synchronized boolean stillUnreachableSince(Instant since) {
        return since.equals(unreachableSince);
    }

    /** Offers {@code response}, the newest SVID, to {@code target}. */
    private boolean offer(TlsSource.Feed target, Workload.X509SVIDResponse response) {
        synchronized (offering) {
            latest = response;
            return target.offer(() -> material(response));
        }
    }

    /** What the CRL file holds now, as a digest; empty without one. Never more than a PEM file may be is read. */
    private String crlDigest() {
        Optional<Path> crl = tlsOptions.crl();
        if (crl.isEmpty()) {
            return "";
        }
        try (InputStream in = Files.isRegularFile(crl.get()) ? Files.newInputStream(crl.get()) : InputStream.nullInputStream()) {
            byte[] content = in.readNBytes(Pem.MAX_FILE_BYTES + 1);
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(content));
        } catch (IOException | NoSuchAlgorithmException e) {
            return "unreadable: " + e.getMessage();
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
        String issued = parsed.getSpiffeId().getTrustDomain().getName();
        if (!issued.equals(trustDomain)) {
            throw TlsException.invalid("this service's trust domain is " + trustDomain + ", but the Workload API at "
                    + socket + " issued " + parsed.getSpiffeId(), "set the service's trust domain to " + issued);
        }
        TrustBundle bundle = TrustBundle.of(certificates(svid.getBundle().newInput()));
        Identity identity = Identity.of(parsed.getPrivateKey(), parsed.getChain());
        return TlsMaterial.of(identity, bundle, tlsOptions); // with the options' CRLs
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

    /** Options of a {@link WorkloadApiSource}; each method names its default. */
    public static final class Builder {
        private final URI socket;
        private String trustDomain = "tiktokmall.local";
        private Duration timeout = Duration.ofSeconds(10);
        private Duration initialBackoff = Duration.ofSeconds(1);
        private Duration maxBackoff = Duration.ofSeconds(30);
        private TlsOptions options = TlsOptions.defaults();

        private Builder(URI socket) {
            this.socket = Objects.requireNonNull(socket, "socket");
        }

        /** The trust domain the SVID must belong to; default {@code tiktokmall.local}. */
        public Builder trustDomain(String trustDomain) {
            this.trustDomain = Objects.requireNonNull(trustDomain, "trustDomain");
            return this;
        }

        /** How long {@link #connect()} waits for the first SVID; default 10 s. */
        public Builder timeout(Duration timeout) {
            this.timeout = Objects.requireNonNull(timeout, "timeout");
            return this;
        }

        /** The first and the longest wait before opening a lost stream again (doubling); default 1 s and 30 s. */
        public Builder backoff(Duration initial, Duration max) {
            this.initialBackoff = Objects.requireNonNull(initial, "initial");
            this.maxBackoff = Objects.requireNonNull(max, "max");
            return this;
        }

        /** Protocols, provider, CRL, session timeout, check interval and clock; default {@link TlsOptions#defaults()}. */
        public Builder options(TlsOptions options) {
            this.options = Objects.requireNonNull(options, "options");
            return this;
        }

        /**
         * Opens the stream and waits for the first SVID (fail closed).
         *
         * @throws TlsException in one line, when no good SVID came within the timeout (everything opened is closed then)
         */
        public WorkloadApiSource connect() {
            return new WorkloadApiSource(this).connect();
        }
    }
}
