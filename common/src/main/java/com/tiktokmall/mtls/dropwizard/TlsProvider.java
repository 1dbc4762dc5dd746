package com.tiktokmall.mtls.dropwizard;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import org.conscrypt.Conscrypt;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.security.Provider;
import java.util.Locale;

/**
 * {@code tls.provider}: which implementation of TLS runs the handshakes. Each changes how fast a
 * handshake is, never what is accepted: key and trust decisions stay with this library's managers.
 */
public enum TlsProvider {
    /**
     * The default: the fastest maintained option that loads here — {@link #ACCP} when it loads and
     * passes its self-tests, else {@link #JSSE}. Never {@link #CONSCRYPT}: its last OpenJDK release
     * (2.5.2, 2021) embeds a BoringSSL of that age. Logs its choice once, at the first use.
     */
    AUTO {
        @Override
        Provider provider() {
            return effective().provider();
        }

        @Override
        public TlsProvider effective() {
            return AutoChoice.CHOSEN;
        }
    },
    /** The JDK's own JSSE (SunJSSE) with the JDK's own arithmetic: nothing native. */
    JSSE {
        @Override
        Provider provider() {
            return null;
        }
    },
    /**
     * The JDK's JSSE with the Amazon Corretto Crypto Provider (AWS-LC) installed first in the JVM
     * for its EC, RSA and AES arithmetic; startup fails if it cannot load here.
     */
    ACCP {
        @Override
        Provider provider() {
            CorrettoCrypto.install();
            return null;
        }
    },
    /** Conscrypt, Google's JSSE provider on BoringSSL (see BENCHMARKS.md for its age). */
    CONSCRYPT {
        @Override
        Provider provider() {
            return ConscryptHolder.PROVIDER;
        }
    };

    /** The provider for {@code SSLContext.getInstance}, or {@code null} for the JDK's SunJSSE. */
    abstract Provider provider();

    /** What runs the handshakes: this option, or for {@link #AUTO} the option it chose. */
    public TlsProvider effective() {
        return this;
    }

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

    /** Chosen once per JVM, at the first use of {@link #AUTO}: the provider list is JVM-wide too. */
    private static final class AutoChoice {
        private static final Logger LOG = LoggerFactory.getLogger(TlsProvider.class);
        private static final TlsProvider CHOSEN = choose();

        private static TlsProvider choose() {
            String unavailable = CorrettoCrypto.unavailableReason().orElse(null);
            if (unavailable == null) {
                CorrettoCrypto.install();
                LOG.info("tls.provider auto: accp — the JDK's JSSE with the Amazon Corretto Crypto Provider {} (AWS-LC)"
                        + " for EC, RSA and AES: it loaded and passed its self-tests, and it is the fastest maintained"
                        + " option here", CorrettoCrypto.version());
                return ACCP;
            }
            LOG.info("tls.provider auto: jsse — the JDK's own, because the Amazon Corretto Crypto Provider {};"
                    + " conscrypt is never chosen automatically (its BoringSSL dates from 2021)", unavailable);
            return JSSE;
        }
    }
}
