package com.tiktokmall.mtls.source;

import com.tiktokmall.mtls.TlsOptions;

import java.time.Duration;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * The one reloading source of a service's TLS material, the counterpart of java-spiffe's
 * {@code X509Source}: connectors and clients read {@link #current()} on every handshake and
 * subscribe to changes; nothing else reads the files or talks to the agent. One implementation
 * per origin: {@link FileSource} polls PEM files, {@code WorkloadApiSource} (module mtls-spiffe)
 * is pushed SVIDs by the SPIFFE Workload API.
 *
 * <pre>{@code
 * try (TlsSource source = FileSource.watching(files).options(options).build()) {
 *     source.start();
 *     SSLContext server = source.current().server().sslContext();
 *     source.onChange(material -> ...);
 * }
 * }</pre>
 *
 * <p>A source is built with checked material (fail closed) and swaps in new material in one
 * atomic step, only once it passes the same checks; a failure leaves the material in use and is
 * reported by {@link #lastFailure()}. A listener that throws is given the material in use again
 * at every check until it takes it, and {@link #behind()} says so meanwhile.
 */
public interface TlsSource extends AutoCloseable {
    /** The material in use now. */
    TlsMaterial current();

    /** Calls {@code listener} with every material swapped in from now on. */
    void onChange(Consumer<TlsMaterial> listener);

    /** Calls {@code listener} with every failed check or reload from now on (for metrics). */
    void onFailure(Consumer<Throwable> listener);

    /**
     * Runs {@code task} after every periodic check, changed material or not: for work that must
     * happen once per interval, such as ending connections whose peer certificate has expired.
     */
    void afterEveryCheck(Runnable task);

    /** Starts the periodic checks, every {@link TlsOptions#checkEvery()}, on a thread of the source's own. */
    void start();

    /** Stops the checks and releases what the source opened (its thread, its connection to an agent). */
    @Override
    void close();

    /** Runs one periodic check now, on the caller's thread. */
    void check();

    /**
     * Takes new material now, without grace: what {@code POST /tasks/reload-tls} does. Unchanged
     * material is not swapped again unless {@code force}. Gives up waiting for a check in progress
     * after {@code timeout}.
     *
     * @return what happened, in words
     */
    String reload(boolean force, Duration timeout);

    /** The options every context of this source is built with; its clock is the service's clock. */
    TlsOptions options();

    /** Why new material was refused or the origin is unreachable, while it is; empty once good material is in use. */
    Optional<Throwable> lastFailure();

    /**
     * Why a connector, client or pool has not taken the material in use, while one has not: it
     * threw when told of the change, and is told again at every check.
     */
    Optional<Throwable> behind();

    /** Why the source is stuck, if it is: started, but no check has completed for three intervals. */
    Optional<String> stalled();

    /**
     * A source whose material a feeder pushes ({@link Feed#offer}) instead of one it polls: the
     * base of sources such as the Workload API's. {@code initial} is already checked.
     *
     * @param origin what the material comes from, for messages ("the Workload API at unix:///...")
     */
    static Feed fed(TlsMaterial initial, TlsOptions options, String origin) {
        return new FedSource(initial, options, origin);
    }

    /** A {@link TlsSource} that is told of new material rather than looking for it. */
    interface Feed extends TlsSource {
        /**
         * Builds the next material with {@code next} (which checks it) and swaps it in, in one
         * atomic step, telling every listener; a failure leaves the current material in use and
         * is reported like a failed reload.
         *
         * @return whether the new material is in use
         */
        boolean offer(Supplier<TlsMaterial> next);

        /**
         * Reports that the origin is lost (the agent is gone): the current material stays in use
         * and {@link #lastFailure()} says {@code why} until the next {@link #offer}.
         */
        void interrupted(Throwable why);
    }
}
