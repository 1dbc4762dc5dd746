package com.tiktokmall.mtls.dropwizard.config;

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
     * (2.5.2, 2021) embeds a BoringSSL of that age. Chosen once per JVM, and the choice logged once.
     */
    AUTO {
        @Override
        public Provider install() {
            return effective().install();
        }

        @Override
        public TlsProvider effective() {
            return AutoChoice.CHOSEN;
        }
    },
    /** The JDK's own JSSE (SunJSSE) with the JDK's own arithmetic: nothing native. */
    JSSE {
        @Override
        public Provider install() {
            return null;
        }
    },
    /**
     * The JDK's JSSE with the Amazon Corretto Crypto Provider (AWS-LC) installed first in the JVM
     * for its EC, RSA and AES arithmetic; startup fails if it cannot load here.
     */
    ACCP {
        @Override
        public Provider install() {
            CorrettoCrypto.install();
            return null;
        }
    },
    /** Conscrypt, Google's JSSE provider on BoringSSL (see BENCHMARKS.md for its age). */
    CONSCRYPT {
        @Override
        public Provider install() {
            return ConscryptHolder.PROVIDER;
        }
    };

    /**
     * Makes this option usable in this JVM (for ACCP: installs it first in the JVM's provider list,
     * idempotent) and returns the provider for {@code SSLContext.getInstance}, or {@code null} for
     * the JDK's SunJSSE. The bundle calls it once, at start-up; nothing else installs anything.
     *
     * @throws com.tiktokmall.mtls.TlsException when the option cannot be used here
     */
    public abstract Provider install();

    /** What runs the handshakes: this option, or for {@link #AUTO} the option it chose; installs nothing. */
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
            if (unavailable == null) { // installed by ACCP.install(), not here: choosing changes nothing
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
