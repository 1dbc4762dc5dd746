package com.tiktokmall.mtls;

import java.nio.file.Path;
import java.security.Provider;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * How TLS material is used, whatever its origin: the same value is given to every source (files or
 * the SPIFFE Workload API) and to every {@link MtlsContext} it builds. Immutable.
 *
 * <pre>{@code
 * TlsOptions options = TlsOptions.builder().crl(Path.of("certs/crl.pem")).checkEvery(Duration.ofSeconds(10)).build();
 * }</pre>
 */
public final class TlsOptions {
    private final List<String> protocols;
    private final Provider provider;
    private final Path crl;
    private final Duration sessionTimeout;
    private final Duration checkEvery;
    private final Clock clock;

    private TlsOptions(Builder builder) {
        this.protocols = builder.protocols;
        this.provider = builder.provider;
        this.crl = builder.crl;
        this.sessionTimeout = builder.sessionTimeout;
        this.checkEvery = builder.checkEvery;
        this.clock = builder.clock;
    }

    /** Every option at its default. */
    public static TlsOptions defaults() {
        return builder().build();
    }

    public static Builder builder() {
        return new Builder();
    }

    /** A builder holding these options, to change some of them. */
    public Builder toBuilder() {
        return new Builder().protocols(protocols).provider(provider).crl(crl).sessionTimeout(sessionTimeout)
                .checkEvery(checkEvery).clock(clock);
    }

    public List<String> protocols() {
        return protocols;
    }

    /** The JSSE provider of every context; empty for the JDK's own. */
    public Optional<Provider> provider() {
        return Optional.ofNullable(provider);
    }

    /** The PEM file of CRLs, one per CA, that every trust bundle is checked against; empty for none. */
    public Optional<Path> crl() {
        return Optional.ofNullable(crl);
    }

    public Duration sessionTimeout() {
        return sessionTimeout;
    }

    /** How often a source checks its material (files for changes, every source for expired peers). */
    public Duration checkEvery() {
        return checkEvery;
    }

    /** What "now" is for validity, CRL freshness, grace periods and health: the one clock of a service's TLS. */
    public Clock clock() {
        return clock;
    }

    /** Options of {@link TlsOptions}; each method names its default. */
    public static final class Builder {
        private List<String> protocols = MtlsContext.DEFAULT_PROTOCOLS;
        private Provider provider;
        private Path crl;
        private Duration sessionTimeout = MtlsContext.DEFAULT_SESSION_TIMEOUT;
        private Duration checkEvery = Duration.ofSeconds(30);
        private Clock clock = Clock.systemUTC();

        private Builder() {
        }

        /** Default {@code [TLSv1.3, TLSv1.2]}; nothing older is accepted. */
        public Builder protocols(List<String> protocols) {
            if (protocols.isEmpty() || !MtlsContext.DEFAULT_PROTOCOLS.containsAll(protocols)) {
                throw TlsException.invalid("protocols " + protocols + " are not allowed: choose from "
                        + MtlsContext.DEFAULT_PROTOCOLS, "remove older protocols; TLS 1.1 and below are broken");
            }
            this.protocols = List.copyOf(protocols);
            return this;
        }

        /** Default {@code null}: the JDK's own JSSE. */
        public Builder provider(Provider provider) {
            this.provider = provider;
            return this;
        }

        /** A PEM file with one current CRL per CA; default none (no revocation checks). */
        public Builder crl(Path crl) {
            this.crl = crl;
            return this;
        }

        /** How long a TLS session may be resumed without a full handshake; default 1 hour. */
        public Builder sessionTimeout(Duration sessionTimeout) {
            if (sessionTimeout.isNegative() || sessionTimeout.isZero()) {
                throw TlsException.invalid("the session timeout must be positive, not " + sessionTimeout, null);
            }
            this.sessionTimeout = sessionTimeout;
            return this;
        }

        /** How often a started source checks its material; default 30 s. */
        public Builder checkEvery(Duration interval) {
            if (interval.isNegative() || interval.isZero()) {
                throw TlsException.invalid("the reload interval must be positive, not " + interval, null);
            }
            this.checkEvery = interval;
            return this;
        }

        /** Default the system clock (UTC). */
        public Builder clock(Clock clock) {
            this.clock = Objects.requireNonNull(clock, "clock");
            return this;
        }

        public TlsOptions build() {
            return new TlsOptions(this);
        }
    }
}
