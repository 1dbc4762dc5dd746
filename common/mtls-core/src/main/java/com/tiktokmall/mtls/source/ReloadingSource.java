package com.tiktokmall.mtls.source;

import com.tiktokmall.mtls.TlsException;
import com.tiktokmall.mtls.TlsOptions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;

/**
 * What every {@link TlsSource} shares whatever its origin: the material in use, the listeners and
 * those behind, the failure reporting, and the schedule of checks on a thread it creates and so
 * closes. Subclasses say what a check and a reload do; both run under the one lock.
 */
abstract class ReloadingSource implements TlsSource {
    private static final Logger LOG = LoggerFactory.getLogger(TlsSource.class);
    /** A check that has not completed for this many intervals means the source is stuck. */
    private static final int STALL_INTERVALS = 3;

    private final TlsOptions options;
    private final AtomicReference<TlsMaterial> current;
    private final List<Consumer<TlsMaterial>> changeListeners = new CopyOnWriteArrayList<>();
    private final List<Consumer<Throwable>> failureListeners = new CopyOnWriteArrayList<>();
    private final List<Runnable> checkListeners = new CopyOnWriteArrayList<>();
    /** Listeners that have not yet taken {@link #current()}: one that threw is given it again at every check. */
    private final List<Consumer<TlsMaterial>> behind = new ArrayList<>();
    private volatile Throwable behindFailure;
    /** Held by every check, reload and offer: one change of material at a time. */
    final ReentrantLock lock = new ReentrantLock();
    private volatile Throwable lastFailure;
    private volatile Instant lastCheck;
    private ScheduledExecutorService scheduler;

    ReloadingSource(TlsMaterial initial, TlsOptions options) {
        this.options = Objects.requireNonNull(options, "options");
        this.current = new AtomicReference<>(Objects.requireNonNull(initial, "initial"));
        this.lastCheck = options.clock().instant();
    }

    /** One periodic check of the origin, under the lock; {@link #check()} reports what it throws. */
    abstract void checkLocked();

    /** A reload on demand, under the lock, after the listeners behind were given the material in use. */
    abstract String reloadLocked(boolean force);

    /** What a stall message calls the origin: "the TLS files", "the Workload API". */
    abstract String origin();

    @Override
    public TlsMaterial current() {
        return current.get();
    }

    @Override
    public TlsOptions options() {
        return options;
    }

    @Override
    public void onChange(Consumer<TlsMaterial> listener) {
        changeListeners.add(listener);
    }

    @Override
    public void onFailure(Consumer<Throwable> listener) {
        failureListeners.add(listener);
    }

    @Override
    public void afterEveryCheck(Runnable task) {
        checkListeners.add(task);
    }

    @Override
    public synchronized void start() {
        if (scheduler != null) {
            throw new IllegalStateException("the TLS source is started already");
        }
        scheduler = Executors.newSingleThreadScheduledExecutor(runnable -> {
            Thread thread = new Thread(runnable, "tls-source-check");
            thread.setDaemon(true);
            return thread;
        });
        lastCheck = options.clock().instant();
        long millis = options.checkEvery().toMillis();
        scheduler.scheduleWithFixedDelay(this::check, millis, millis, TimeUnit.MILLISECONDS);
    }

    @Override
    public synchronized void close() {
        if (scheduler != null) {
            scheduler.shutdownNow();
        }
    }

    @Override
    public Optional<Throwable> lastFailure() {
        return Optional.ofNullable(lastFailure);
    }

    @Override
    public Optional<Throwable> behind() {
        return Optional.ofNullable(behindFailure);
    }

    @Override
    public Optional<String> stalled() {
        Instant last = lastCheck;
        Duration since = Duration.between(last, options.clock().instant());
        boolean started;
        synchronized (this) {
            started = scheduler != null && !scheduler.isShutdown();
        }
        if (started && since.compareTo(options.checkEvery().multipliedBy(STALL_INTERVALS)) > 0) {
            return Optional.of("no check of " + origin() + " has completed since " + last + " (" + since.toSeconds()
                    + " s, every " + options.checkEvery().toSeconds() + " s expected)");
        }
        return Optional.empty();
    }

    /** One periodic check. Nothing it meets, not even an {@link Error}, ends the schedule. */
    @Override
    public void check() {
        lock.lock();
        try {
            catchUp();
            checkLocked();
        } catch (Throwable e) { // an escaping Throwable would end the schedule for good
            failed(e);
        } finally {
            checked();
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

    @Override
    public String reload(boolean force, Duration timeout) {
        try {
            if (!lock.tryLock(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                return "reload timed out after " + timeout.toSeconds() + " s: a check of " + origin() + " is still"
                        + " running (is a file on a hung file system?); the current material stays in use";
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "reload interrupted; the current material stays in use";
        }
        try {
            catchUp();
            return reloadLocked(force) + stillBehind();
        } finally {
            checked();
            lock.unlock();
        }
    }

    /** Notes that a check or reload completed, for {@link #stalled()}. */
    final void checked() {
        lastCheck = options.clock().instant();
    }

    /** Puts {@code next} in use and tells every listener; under the lock. */
    final void swap(TlsMaterial next) {
        TlsMaterial previous = current.getAndSet(next);
        clearFailure();
        LOG.info("TLS material reloaded: {} (was {})", next, previous);
        behind.clear();
        behind.addAll(changeListeners);
        behindFailure = null; // a failure to take this material is news, even if the last one failed too
        catchUp();
    }

    /** Good material is in use again: the last failure is over. */
    void clearFailure() {
        lastFailure = null;
    }

    /** Reports {@code e}, keeping the material in use. */
    void failed(Throwable e) {
        lastFailure = e;
        failureListeners.forEach(listener -> listener.accept(e));
        if (e instanceof TlsException) {
            LOG.error("TLS reload refused, the previous certificates stay in use: {}", e.getMessage());
        } else {
            LOG.error("TLS reload failed, the previous certificates may still be in use", e);
        }
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
}
