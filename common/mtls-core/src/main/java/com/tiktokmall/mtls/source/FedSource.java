package com.tiktokmall.mtls.source;

import com.tiktokmall.mtls.TlsOptions;

import java.util.function.Supplier;

/** A source told of new material by a feeder: see {@link TlsSource#fed}. Its checks only run the listeners behind. */
final class FedSource extends ReloadingSource implements TlsSource.Feed {
    private final String origin;

    FedSource(TlsMaterial initial, TlsOptions options, String origin) {
        super(initial, options);
        this.origin = origin;
    }

    @Override
    String origin() {
        return origin;
    }

    @Override
    void checkLocked() {
        // nothing to poll: the feeder offers every change as it happens
    }

    @Override
    String reloadLocked(boolean force) {
        return "unchanged: " + origin + " pushes every new certificate and bundle as it is issued (" + current() + ")";
    }

    @Override
    public boolean offer(Supplier<TlsMaterial> next) {
        lock.lock();
        try {
            swap(next.get());
            return true;
        } catch (Throwable e) {
            failed(e);
            return false;
        } finally {
            checked();
            lock.unlock();
        }
    }

    @Override
    public void interrupted(Throwable why) {
        lock.lock();
        try {
            failed(why);
        } finally {
            lock.unlock();
        }
    }
}
