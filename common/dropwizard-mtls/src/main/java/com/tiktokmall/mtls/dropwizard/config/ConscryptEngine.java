package com.tiktokmall.mtls.dropwizard.config;

import org.conscrypt.Conscrypt;

import java.security.Provider;
import java.util.Optional;

/**
 * Conscrypt (BoringSSL) as {@code tls.provider}: used per {@code SSLContext}, never installed in
 * the JVM's provider list. Its native library is loaded only when it is asked about.
 */
final class ConscryptEngine {
    private ConscryptEngine() {
    }

    /** Why Conscrypt cannot be used on this platform, or empty when its native library loaded. */
    static Optional<String> unavailableReason() {
        try {
            Conscrypt.checkAvailability();
            return Optional.empty();
        } catch (LinkageError | RuntimeException e) {
            // no native library for this platform in the jar, or one that does not load here
            Throwable cause = e.getCause() == null ? e : e.getCause();
            return Optional.of("did not load its native library on " + System.getProperty("os.name") + "/"
                    + System.getProperty("os.arch") + " (" + cause + ")");
        }
    }

    /** A new Conscrypt provider for {@code SSLContext.getInstance}; call after {@link #unavailableReason()}. */
    static Provider provider() {
        return Holder.PROVIDER;
    }

    static String version() {
        Conscrypt.Version version = Conscrypt.version();
        return version.major() + "." + version.minor() + "." + version.patch();
    }

    /** One provider per JVM, as before: its session caches are per SSLContext anyway. */
    private static final class Holder {
        private static final Provider PROVIDER = Conscrypt.newProvider();
    }
}
