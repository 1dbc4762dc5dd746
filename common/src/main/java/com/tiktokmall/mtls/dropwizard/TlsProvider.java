package com.tiktokmall.mtls.dropwizard;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import org.conscrypt.Conscrypt;

import java.security.Provider;
import java.util.Locale;

/** {@code tls.provider}: which implementation of TLS runs the handshakes. */
public enum TlsProvider {
    /** The JDK's own JSSE (SunJSSE): the default. */
    JSSE {
        @Override
        Provider provider() {
            return null;
        }
    },
    /** Conscrypt, Google's JSSE provider on BoringSSL: faster handshakes (see BENCHMARKS.md). */
    CONSCRYPT {
        @Override
        Provider provider() {
            return ConscryptHolder.PROVIDER;
        }
    };

    /** The provider for {@code SSLContext.getInstance}, or {@code null} for the JDK default. */
    abstract Provider provider();

    @JsonCreator
    static TlsProvider of(String name) {
        return valueOf(name.toUpperCase(Locale.ROOT));
    }

    @JsonValue
    String value() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** Loaded only when Conscrypt is chosen: its native library is not touched otherwise. */
    private static final class ConscryptHolder {
        private static final Provider PROVIDER = Conscrypt.newProvider();
    }
}
