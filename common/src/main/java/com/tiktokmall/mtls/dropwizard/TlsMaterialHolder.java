package com.tiktokmall.mtls.dropwizard;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;

/**
 * The one place connectors and clients get their TLS material from. Swapping in new material
 * is a single atomic step; users that cache something derived from it subscribe to changes.
 */
final class TlsMaterialHolder {
    private final AtomicReference<TlsMaterial> current;
    private final List<Consumer<TlsMaterial>> listeners = new CopyOnWriteArrayList<>();

    TlsMaterialHolder(TlsMaterial initial) {
        this.current = new AtomicReference<>(initial);
    }

    TlsMaterial current() {
        return current.get();
    }

    /** Calls {@code listener} with every material swapped in from now on. */
    void onSwap(Consumer<TlsMaterial> listener) {
        listeners.add(listener);
    }

    /**
     * Makes {@code next} current and tells every subscriber, each one even if another fails.
     *
     * @throws IllegalStateException when a subscriber failed, with its exceptions suppressed within
     */
    void swap(TlsMaterial next) {
        current.set(next);
        IllegalStateException failure = null;
        for (Consumer<TlsMaterial> listener : listeners) {
            try {
                listener.accept(next);
            } catch (RuntimeException e) {
                if (failure == null) {
                    failure = new IllegalStateException("not every connector and client took the new TLS material");
                }
                failure.addSuppressed(e);
            }
        }
        if (failure != null) {
            throw failure;
        }
    }
}
