package com.tiktokmall.mtls.dropwizard.config;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import com.tiktokmall.mtls.TlsException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.security.Provider;
import java.util.Locale;
import java.util.Optional;

/**
 * {@code tls.provider}: which implementation of TLS runs the handshakes. Each changes how fast a
 * handshake is, never what is accepted: key and trust decisions stay with this library's managers.
 */
public enum TlsProvider {
    /**
     * The default: the fastest maintained option that loads here. {@link #CONSCRYPT} (BoringSSL)
     * when its native library loads, with {@link #ACCP} installed as well when that loads, for the
     * arithmetic that stays in Java (the certificate-chain checks of this library's trust manager,
     * token signatures); else {@link #ACCP}; else {@link #JSSE}. Chosen once per JVM, and the choice
     * logged once (BENCHMARKS.md, step 18, has the figures behind the order).
     */
    AUTO {
        @Override
        public Provider install() {
            TlsProvider chosen = effective();
            if (chosen == CONSCRYPT && AutoChoice.WITH_ACCP) {
                CorrettoCrypto.install();
            }
            return chosen.install();
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
    /**
     * Conscrypt, Google's JSSE provider on BoringSSL: the protocol and its arithmetic in native code,
     * with this library's key and trust managers; startup fails if it cannot load here.
     */
    CONSCRYPT {
        @Override
        public Provider install() {
            ConscryptEngine.unavailableReason().ifPresent(reason -> {
                throw TlsException.invalid("tls.provider conscrypt: Conscrypt cannot be used: " + reason,
                        "set tls.provider to auto, accp or jsse");
            });
            return ConscryptEngine.provider();
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

    /**
     * What {@link #AUTO} chooses, given why Conscrypt and why ACCP cannot be used (empty: they can),
     * in the order of BENCHMARKS.md's step-18 figures: Conscrypt, else ACCP, else JSSE. Says why.
     */
    static TlsProvider autoChoice(Optional<String> conscryptUnavailable, Optional<String> accpUnavailable) {
        if (conscryptUnavailable.isEmpty()) {
            AutoChoice.LOG.info("tls.provider auto: conscrypt — Conscrypt {} (BoringSSL) runs TLS, {}: the fastest"
                    + " maintained option here", ConscryptEngine.version(), accpUnavailable.isEmpty()
                    ? "with the Amazon Corretto Crypto Provider " + CorrettoCrypto.version() + " (AWS-LC) for the"
                            + " arithmetic that stays in Java (token signatures)"
                    : "the arithmetic that stays in Java is the JDK's, because the Amazon Corretto Crypto Provider "
                            + accpUnavailable.get());
            return CONSCRYPT;
        }
        if (accpUnavailable.isEmpty()) {
            AutoChoice.LOG.info("tls.provider auto: accp — the JDK's JSSE with the Amazon Corretto Crypto Provider {}"
                    + " (AWS-LC) for EC, RSA and AES, because Conscrypt {}", CorrettoCrypto.version(),
                    conscryptUnavailable.get());
            return ACCP;
        }
        AutoChoice.LOG.info("tls.provider auto: jsse — the JDK's own, because Conscrypt {} and the Amazon Corretto"
                + " Crypto Provider {}", conscryptUnavailable.get(), accpUnavailable.get());
        return JSSE;
    }

    /** Chosen once per JVM, at the first use of {@link #AUTO}: the provider list is JVM-wide too. */
    private static final class AutoChoice {
        private static final Logger LOG = LoggerFactory.getLogger(TlsProvider.class);
        private static final Optional<String> ACCP_UNAVAILABLE = CorrettoCrypto.unavailableReason();
        private static final boolean WITH_ACCP = ACCP_UNAVAILABLE.isEmpty();
        // installs nothing: AUTO.install() does
        private static final TlsProvider CHOSEN = autoChoice(ConscryptEngine.unavailableReason(), ACCP_UNAVAILABLE);
    }
}
