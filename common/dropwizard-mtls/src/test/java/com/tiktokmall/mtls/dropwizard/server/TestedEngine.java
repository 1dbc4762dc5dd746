package com.tiktokmall.mtls.dropwizard.server;

import com.tiktokmall.mtls.dropwizard.config.TlsProvider;

import java.util.Locale;

/** The TLS engine of this run's service-level tests: {@code -Dmtls.test.provider}, else the default, auto. */
final class TestedEngine {
    private TestedEngine() {
    }

    /** Whether BoringSSL (Conscrypt) runs the services' TLS in this run: what auto chooses where it loads. */
    static boolean boringSsl() {
        String provider = System.getProperty("mtls.test.provider", "auto");
        return TlsProvider.valueOf(provider.toUpperCase(Locale.ROOT)).effective() == TlsProvider.CONSCRYPT;
    }
}
