package com.tiktokmall.mtls.reload;

import com.tiktokmall.mtls.Pem;
import com.tiktokmall.mtls.TlsException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * The one reloading source of a service's TLS material, the file-based counterpart of
 * java-spiffe's {@code X509Source}: connectors and clients read {@link #current()} on every
 * handshake and subscribe to changes; nothing else reads the files.
 *
 * <pre>{@code
 * TlsMaterialSource source = TlsMaterialSource.watching(files).checkEvery(Duration.ofSeconds(30)).build();
 * source.start(scheduler);
 * SSLContext server = source.current().server().sslContext();
 * source.onChange(material -> ...);
 * }</pre>
 *
 * <p>Building it loads and checks every file (fail fast). Once started, it compares a digest of
 * the files' bytes every interval (read through symlinks, so in-place writes, atomic renames and
 * Kubernetes {@code ..data} swaps all count) and swaps in new material once it passes the same
 * checks, in one atomic step. Content that does not load gets one interval of grace, since it may
 * be caught half-written (a new key beside the old certificate); if it still fails, the last good
 * material stays in use, one ERROR names the file and {@link #lastFailure()} says why until a good
 * reload. A listener that throws is given the material in use again at every check until it
 * takes it, and {@link #behind()} says so meanwhile. Nothing a check meets — not even an
 * {@link Error} — ends the schedule.
 */
public final class TlsMaterialSource implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(TlsMaterialSource.class);
    /** A check that has not completed for this many intervals means the source is stuck. */
    private static final int STALL_INTERVALS = 3;

    private final TlsFiles files; // null when the material is pushed (the SPIFFE Workload API)
    private final Duration interval;
    private final Clock clock;
    private final AtomicReference<TlsMaterial> current;
    private final List<Consumer<TlsMaterial>> changeListeners = new CopyOnWriteArrayList<>();
    private final List<Consumer<Throwable>> failureListeners = new CopyOnWriteArrayList<>();
    private final List<Runnable> checkListeners = new CopyOnWriteArrayList<>();
    /** Listeners that have not yet taken {@link #current()}: one that threw is given it again at every check. */
    private final List<Consumer<TlsMaterial>> behind = new ArrayList<>();
    private volatile Throwable behindFailure;
    private final ReentrantLock lock = new ReentrantLock();
    private String loadedDigest;
    private String deferredDigest;
    private Instant deferredSince;
    private String failedDigest;
    private volatile Throwable lastFailure;
    private volatile Instant lastCheck;
    private volatile boolean started;
    private ScheduledExecutorService scheduler;

    private TlsMaterialSource(Builder builder) {
        this.files = builder.files;
        this.interval = builder.interval;
        this.clock = builder.clock;
        if (files == null) {
            this.current = new AtomicReference<>(builder.initial);
        } else {
            String digest = digest();
            this.current = new AtomicReference<>(TlsMaterial.load(files, clock));
            this.loadedDigest = digest; // taken before loading, so that a change made meanwhile is not missed
        }
        this.lastCheck = clock.instant();
    }

    /** A source of the material in {@code files}; {@link Builder#build()} loads it. */
    public static Builder watching(TlsFiles files) {
        return new Builder(files);
    }

    /**
     * A source of material that a feeder pushes through {@link #offer} (the SPIFFE Workload API:
     * {@link WorkloadApiFeed}) instead of files it polls; {@code initial} is already checked.
     * The periodic checks then only run the {@link #afterEveryCheck} tasks.
     */
    public static Builder pushed(TlsMaterial initial) {
        return new Builder(Objects.requireNonNull(initial, "initial"));
    }

    /**
     * Builds the next material with {@code next} (which checks it, as loading files does) and
     * swaps it in, in one atomic step, telling every listener; a failure leaves the current
     * material in use and is reported like a failed reload.
     *
     * @return whether the new material is in use
     */
    public boolean offer(Supplier<TlsMaterial> next) {
        lock.lock();
        try {
            swap(next.get());
            return true;
        } catch (Throwable e) {
            fail(null, e);
            return false;
        } finally {
            lastCheck = clock.instant();
            lock.unlock();
        }
    }

    /**
     * Reports that the feeder of pushed material has lost its source (the agent is gone): the
     * current material stays in use and {@link #lastFailure()} says {@code why} until the next
     * {@link #offer}.
     */
    public void interrupted(Throwable why) {
        lock.lock();
        try {
            fail(null, why);
        } finally {
            lock.unlock();
        }
    }

    /** The material in use now. */
    public TlsMaterial current() {
        return current.get();
    }

    /** Calls {@code listener} with every material swapped in from now on. */
    public void onChange(Consumer<TlsMaterial> listener) {
        changeListeners.add(listener);
    }

    /** Calls {@code listener} with every failed check or reload from now on (for metrics). */
    public void onFailure(Consumer<Throwable> listener) {
        failureListeners.add(listener);
    }

    /**
     * Runs {@code task} after every periodic check, changed files or not: for work that must
     * happen once per interval, such as ending connections whose peer certificate has expired.
     */
    public void afterEveryCheck(Runnable task) {
        checkListeners.add(task);
    }

    /** Checks the files every interval on {@code scheduler} until {@link #close()}. */
    public void start(ScheduledExecutorService scheduler) {
        this.scheduler = Objects.requireNonNull(scheduler, "scheduler");
        lastCheck = clock.instant();
        started = true;
        long millis = interval.toMillis();
        scheduler.scheduleWithFixedDelay(this::check, millis, millis, TimeUnit.MILLISECONDS);
    }

    /** Stops the checks, if {@link #start} started them. */
    @Override
    public void close() {
        started = false;
        if (scheduler != null) {
            scheduler.shutdownNow();
        }
    }

    /** The clock this source judges validity by; health checks and gauges use it too. */
    public Clock clock() {
        return clock;
    }

    /** How often the files are checked. */
    public Duration interval() {
        return interval;
    }

    /** Why the files in place do not load, while they do not; empty once good content is in use. */
    public Optional<Throwable> lastFailure() {
        return Optional.ofNullable(lastFailure);
    }

    /**
     * Why a connector, client or pool has not taken the material in use, while one has not: it
     * threw when told of the change, and is told again at every check.
     */
    public Optional<Throwable> behind() {
        return Optional.ofNullable(behindFailure);
    }

    /**
     * Why the source is stuck, if it is: started, but no check has completed for
     * {@value #STALL_INTERVALS} intervals (a file system that hangs, a thread that died).
     */
    public Optional<String> stalled() {
        Instant last = lastCheck;
        Duration since = Duration.between(last, clock.instant());
        if (started && since.compareTo(interval.multipliedBy(STALL_INTERVALS)) > 0) {
            return Optional.of("no check of the TLS files has completed since " + last + " (" + since.toSeconds()
                    + " s, every " + interval.toSeconds() + " s expected)");
        }
        return Optional.empty();
    }

    /**
     * One periodic check: reload if the content changed and loads, with one interval of grace.
     * Content that failed is tried again every interval (a certificate may become valid), but
     * reported once.
     */
    public void check() {
        lock.lock();
        try {
            checkLocked();
        } catch (Throwable e) { // an escaping Throwable would end the schedule for good
            fail(null, e);
        } finally {
            lastCheck = clock.instant();
            lock.unlock();
        }
        for (Runnable task : checkListeners) {
            try {
                task.run();
            } catch (Throwable e) {
                LOG.error("a task run after the TLS check failed", e);
            }
        }
    }

    /**
     * Loads the files now, without grace: what {@code POST /tasks/reload-tls} does. Unchanged
     * content is not swapped again unless {@code force}, so that repeated calls do not make every
     * peer shake hands anew. Gives up waiting for a check in progress after {@code timeout}.
     *
     * @return what happened, in words
     */
    public String reload(boolean force, Duration timeout) {
        try {
            if (!lock.tryLock(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                return "reload timed out after " + timeout.toSeconds() + " s: a check of the TLS files is still running"
                        + " (is a file on a hung file system?); the current material stays in use";
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "reload interrupted; the current material stays in use";
        }
        if (files == null) {
            catchUp();
            lastCheck = clock.instant();
            lock.unlock();
            return "unchanged: the Workload API pushes every new SVID and bundle as it is issued (" + current() + ")"
                    + stillBehind();
        }
        String digest = null;
        try {
            digest = digest();
            catchUp();
            if (!force && digest.equals(loadedDigest)) {
                clearFailure();
                return "unchanged: the files are the ones in use (" + current() + "); add force=true to reload anyway"
                        + stillBehind();
            }
            load(digest);
            return "reloaded: " + current() + stillBehind();
        } catch (Throwable e) {
            fail(digest, e);
            return "reload failed, the previous material stays in use: " + e.getMessage();
        } finally {
            lastCheck = clock.instant();
            lock.unlock();
        }
    }

    private void checkLocked() {
        catchUp();
        if (files == null) {
            return;
        }
        String digest = digest();
        if (digest.equals(loadedDigest)) {
            clearFailure();
            return;
        }
        try {
            load(digest);
        } catch (TlsException e) {
            if (digest.equals(failedDigest)) {
                return;
            }
            Instant now = clock.instant();
            if (!digest.equals(deferredDigest)) {
                deferredDigest = digest;
                deferredSince = now;
                LOG.info("TLS files changed but do not load yet ({}); trying again in {} s, they may be half-written",
                        e.getMessage(), interval.toSeconds());
                return;
            }
            if (now.isBefore(deferredSince.plus(interval))) {
                return;
            }
            fail(digest, e);
        }
    }

    private void load(String digest) {
        TlsMaterial next = TlsMaterial.load(files, clock);
        if (!digest.equals(digest())) {
            throw TlsException.invalid("the files changed while they were read", null);
        }
        loadedDigest = digest;
        swap(next);
    }

    private void swap(TlsMaterial next) {
        TlsMaterial previous = current.getAndSet(next);
        clearFailure();
        LOG.info("TLS material reloaded: {} (was {})", next, previous);
        behind.clear();
        behind.addAll(changeListeners);
        behindFailure = null; // a failure to take this material is news, even if the last one failed too
        catchUp();
    }

    /**
     * Gives the material in use to every listener that has not taken it yet, in the order they
     * subscribed. A listener that throws is reported once (an ERROR, and to the failure listeners)
     * and tried again at the next check; the others still get their turn.
     */
    private void catchUp() {
        if (behind.isEmpty()) {
            return;
        }
        IllegalStateException failure = null;
        for (Iterator<Consumer<TlsMaterial>> it = behind.iterator(); it.hasNext(); ) {
            Consumer<TlsMaterial> listener = it.next();
            try {
                listener.accept(current.get());
                it.remove();
            } catch (Throwable e) { // even an Error: the listeners after it must not be skipped
                if (failure == null) {
                    failure = new IllegalStateException("not every connector, client and pool took the TLS material in"
                            + " use (" + current.get() + "); those that did not are told again at every check");
                }
                failure.addSuppressed(e);
            }
        }
        Throwable before = behindFailure;
        behindFailure = failure;
        if (failure == null) {
            if (before != null) {
                LOG.info("every connector, client and pool took the TLS material in use now");
            }
        } else if (before == null) {
            IllegalStateException reported = failure;
            failureListeners.forEach(listener -> listener.accept(reported));
            LOG.error(failure.getMessage(), failure);
        } else {
            LOG.debug("still not taken: {}", failure.getMessage());
        }
    }

    /** For a reload's answer: the listeners that have not taken the material in use, if any. */
    private String stillBehind() {
        Throwable failure = behindFailure;
        if (failure == null) {
            return "";
        }
        StringBuilder why = new StringBuilder("; but ").append(failure.getMessage()).append(":");
        for (Throwable cause : failure.getSuppressed()) {
            why.append(' ').append(cause);
        }
        return why.toString();
    }

    private void clearFailure() {
        deferredDigest = null;
        deferredSince = null;
        failedDigest = null;
        lastFailure = null;
    }

    private void fail(String digest, Throwable e) {
        failedDigest = digest;
        deferredDigest = null;
        deferredSince = null;
        lastFailure = e;
        failureListeners.forEach(listener -> listener.accept(e));
        if (e instanceof TlsException) {
            LOG.error("TLS reload refused, the previous certificates stay in use: {}", e.getMessage());
        } else {
            LOG.error("TLS reload failed, the previous certificates may still be in use", e);
        }
    }

    /**
     * A digest of every file's bytes, read through symlinks; a missing, odd or oversized file
     * counts as content too, without being read (a FIFO would block, a huge file would exhaust memory).
     */
    private String digest() {
        try {
            MessageDigest digest = MessageDigest.getInstance("SHA-256");
            for (Path file : files.all()) {
                digest.update(file.toString().getBytes(StandardCharsets.UTF_8));
                digest.update(contentOf(file));
            }
            return HexFormat.of().formatHex(digest.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static byte[] contentOf(Path file) {
        if (!Files.isRegularFile(file)) {
            return ("not a regular file: " + Files.exists(file)).getBytes(StandardCharsets.UTF_8);
        }
        try (InputStream in = Files.newInputStream(file)) {
            byte[] bytes = in.readNBytes(Pem.MAX_FILE_BYTES + 1);
            return bytes.length > Pem.MAX_FILE_BYTES
                    ? ("too large: " + Files.size(file) + " " + Files.getLastModifiedTime(file)).getBytes(StandardCharsets.UTF_8)
                    : bytes;
        } catch (IOException e) {
            return ("unreadable: " + e.getMessage()).getBytes(StandardCharsets.UTF_8);
        }
    }

    /** Options of a {@link TlsMaterialSource}; each method names its default. */
    public static final class Builder {
        private final TlsFiles files;
        private final TlsMaterial initial;
        private Duration interval = Duration.ofSeconds(30);
        private Clock clock = Clock.systemUTC();

        private Builder(TlsFiles files) {
            this.files = Objects.requireNonNull(files, "files");
            this.initial = null;
        }

        private Builder(TlsMaterial initial) {
            this.files = null;
            this.initial = initial;
        }

        /** How often the files are checked once started; default 30 s. */
        public Builder checkEvery(Duration interval) {
            if (interval.isNegative() || interval.isZero()) {
                throw TlsException.invalid("the reload interval must be positive, not " + interval, null);
            }
            this.interval = interval;
            return this;
        }

        /** What "now" is for validity, CRL freshness and grace; default the system clock. */
        public Builder clock(Clock clock) {
            this.clock = Objects.requireNonNull(clock, "clock");
            return this;
        }

        /**
         * Loads and checks every file.
         *
         * @throws TlsException the first problem, naming the setting and the file
         */
        public TlsMaterialSource build() {
            return new TlsMaterialSource(this);
        }
    }
}
