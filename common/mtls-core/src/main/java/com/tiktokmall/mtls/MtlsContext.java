package com.tiktokmall.mtls;


import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.Provider;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import javax.net.ssl.KeyManager;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509ExtendedTrustManager;

/**
 * A ready-to-use mutual-TLS {@link SSLContext} for one role: the Java counterpart of the
 * TikTokMall guide's {@code mtls.NewServerTLSConfig} and {@code NewClientTLSConfig}.
 *
 * <pre>{@code
 * MtlsContext server = MtlsContext.forServer(Identity.fromPem(cert, key))
 *         .trust(TrustBundle.fromPem(caCert))
 *         .build();
 *
 * MtlsContext client = MtlsContext.forClient(Identity.fromPem(cert, key))
 *         .trust(TrustBundle.fromPem(caCert))
 *         .build();
 * HttpClient http = HttpClient.newBuilder()
 *         .sslContext(client.sslContext())
 *         .sslParameters(client.sslParameters())
 *         .build();
 * }</pre>
 *
 * <p>A server context requires a client certificate; a client context presents its certificate
 * and verifies the server's host name. Both trust only the given {@link TrustBundle}, speak only
 * TLS 1.3 and 1.2, and offer only AEAD cipher suites with forward secrecy. Instances are
 * immutable; to change certificates, build a new one.
 */
public final class MtlsContext {
    /** Which end of the handshake a context is for. */
    public enum Role {
        /** Accepts connections and requires a client certificate. */
        SERVER,
        /** Opens connections, presents its certificate and checks the server's host name. */
        CLIENT
    }

    /** The protocols used unless {@link Builder#protocols(List)} says otherwise. */
    public static final List<String> DEFAULT_PROTOCOLS = List.of("TLSv1.3", "TLSv1.2");

    private static final List<String> AEAD_CIPHER_SUITES = List.of(
            "TLS_AES_128_GCM_SHA256", "TLS_AES_256_GCM_SHA384", "TLS_CHACHA20_POLY1305_SHA256",
            "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256", "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384",
            "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256", "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
            "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384", "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256");

    /** How long a TLS session may be resumed unless {@link Builder#sessionTimeout(Duration)} says otherwise. */
    public static final Duration DEFAULT_SESSION_TIMEOUT = Duration.ofHours(1);

    private final Role role;
    private final Identity identity;
    private final TrustBundle trust;
    private final TlsOptions options;
    private final SpiffeId expectedServer;
    private final List<String> cipherSuites;
    private final SSLContext sslContext;

    private MtlsContext(Role role, Identity identity, TrustBundle trust, TlsOptions options, SpiffeId expectedServer) {
        this.role = role;
        this.identity = identity;
        this.trust = trust;
        this.options = options;
        this.expectedServer = expectedServer;
        this.sslContext = newSslContext();
        List<String> supported = Arrays.asList(sslContext.getSupportedSSLParameters().getCipherSuites());
        this.cipherSuites = AEAD_CIPHER_SUITES.stream().filter(supported::contains).toList();
    }

    /** Starts a server context that presents {@code identity} and requires client certificates. */
    public static Builder forServer(Identity identity) {
        return new Builder(Role.SERVER, identity);
    }

    /** Starts a client context that presents {@code identity} and verifies the server. */
    public static Builder forClient(Identity identity) {
        return new Builder(Role.CLIENT, identity);
    }

    public Role role() {
        return role;
    }

    public Identity identity() {
        return identity;
    }

    public TrustBundle trust() {
        return trust;
    }

    /** The options it was built with: protocols, provider, session timeout, clock. */
    public TlsOptions options() {
        return options;
    }

    /** The enabled protocols, newest first. */
    public List<String> protocols() {
        return options.protocols();
    }

    /** The enabled cipher suites: AEAD only. */
    public List<String> cipherSuites() {
        return cipherSuites;
    }

    /** The SPIFFE ID a client requires of every server, in place of a host-name check; empty for none. */
    public Optional<SpiffeId> expectedServer() {
        return Optional.ofNullable(expectedServer);
    }

    /**
     * This client context, requiring every server to present {@code expected} as its SPIFFE ID
     * during the handshake instead of a certificate that names the host dialled: the X.509-SVID
     * rule, which lets servers hold URI-only certificates. Already checked, so it cannot fail.
     */
    public MtlsContext expectingServer(SpiffeId expected) {
        if (role != Role.CLIENT) {
            throw new IllegalStateException("only a client context expects a server identity");
        }
        return new MtlsContext(role, identity, trust, options,
                Objects.requireNonNull(expected, "expected"));
    }

    /**
     * This context with a TLS session cache of its own: a session made through one is never
     * resumed through the other. A server gives each port that authorizes differently its own.
     */
    public MtlsContext withOwnSessions() {
        return new MtlsContext(role, identity, trust, options, expectedServer);
    }

    /** The JSSE context, holding this identity and trusting only this bundle. */
    public SSLContext sslContext() {
        return sslContext;
    }

    /**
     * Fresh parameters to apply to every socket or engine of this context: protocols, cipher
     * suites, and for a server {@code needClientAuth}, for a client HTTPS host name checks.
     */
    public SSLParameters sslParameters() {
        SSLParameters parameters = new SSLParameters(cipherSuites.toArray(String[]::new), options.protocols().toArray(String[]::new));
        if (role == Role.SERVER) {
            parameters.setNeedClientAuth(true);
        } else if (expectedServer == null) {
            parameters.setEndpointIdentificationAlgorithm("HTTPS");
        }
        return parameters;
    }

    private SSLContext newSslContext() {
        try {
            Provider provider = options.provider().orElse(null);
            SSLContext context = provider == null ? SSLContext.getInstance("TLS") : SSLContext.getInstance("TLS", provider);
            KeyManager keys = identity.keyManager();
            X509ExtendedTrustManager trusted = trust.trustManager(options.clock());
            TrustManager peers = expectedServer == null ? trusted : new ExpectedServerTrustManager(trusted, expectedServer);
            context.init(new KeyManager[] {keys}, new TrustManager[] {peers}, null);
            int seconds = (int) Math.min(Integer.MAX_VALUE, options.sessionTimeout().toSeconds());
            context.getServerSessionContext().setSessionTimeout(seconds);
            context.getClientSessionContext().setSessionTimeout(seconds);
            return context;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("the JDK cannot create a TLS context", e);
        }
    }

    @Override
    public String toString() {
        return "MtlsContext[" + role + ", " + identity + ", " + trust + "]";
    }

    /** Options of an {@link MtlsContext}; each method names its default (those of {@link TlsOptions}). */
    public static final class Builder {
        private final Role role;
        private final Identity identity;
        private TrustBundle trust;
        private TlsOptions options = TlsOptions.defaults();
        private SpiffeId expectedServer;

        private Builder(Role role, Identity identity) {
            this.role = role;
            this.identity = Objects.requireNonNull(identity, "identity");
        }

        /** The CAs that vouch for peers. Required: there is no default, least of all the JVM's. */
        public Builder trust(TrustBundle trust) {
            this.trust = Objects.requireNonNull(trust, "trust");
            return this;
        }

        /** Protocols, provider, session timeout and clock at once (the CRL and interval are the source's). */
        public Builder options(TlsOptions options) {
            this.options = Objects.requireNonNull(options, "options");
            return this;
        }

        /** Protocols to enable; default {@code [TLSv1.3, TLSv1.2]}. Nothing older is accepted. */
        public Builder protocols(List<String> protocols) {
            return options(options.toBuilder().protocols(protocols).build());
        }

        /**
         * The JSSE provider of the {@link SSLContext}; default: the JDK's own (SunJSSE). Another
         * one, such as Conscrypt, changes how fast handshakes are, not what is accepted: key and
         * trust decisions stay with this library's key and trust managers.
         */
        public Builder provider(Provider provider) {
            return options(options.toBuilder().provider(provider).build());
        }

        /**
         * How long a TLS session may be resumed without a full handshake; default 1 hour. Peers'
         * certificates are not checked again on resumption, so this bounds how long one is
         * trusted on its past word.
         */
        public Builder sessionTimeout(Duration sessionTimeout) {
            return options(options.toBuilder().sessionTimeout(sessionTimeout).build());
        }

        /** For a client: see {@link MtlsContext#expectingServer(SpiffeId)}; default none (host names are checked). */
        public Builder expectServer(SpiffeId expectedServer) {
            this.expectedServer = expectedServer;
            return this;
        }

        /** The clock that says what "valid now" means in {@link #build()}; default: the system clock. */
        public Builder clock(Clock clock) {
            return options(options.toBuilder().clock(clock).build());
        }

        /**
         * Checks that the identity is valid now, leads to the trust bundle and may act in this
         * role (extended key usage), then builds the context.
         *
         * @throws TlsException naming the file at fault
         */
        public MtlsContext build() {
            if (trust == null) {
                throw TlsException.invalid("no trust bundle is set", "call trust(TrustBundle.fromPem(caFile))");
            }
            Path certFile = identity.certFile().orElse(null);
            Instant now = options.clock().instant();
            for (X509Certificate certificate : identity.chain()) {
                Certificates.requireValidAt(certificate, now, certFile);
            }
            trust.verify(identity.chain(), now, certFile);
            requirePurpose(identity.certificate(), certFile);
            if (expectedServer != null && role != Role.CLIENT) {
                throw TlsException.invalid("only a client context expects a server identity", "drop expectServer()");
            }
            return new MtlsContext(role, identity, trust, options, expectedServer);
        }

        private void requirePurpose(X509Certificate leaf, Path certFile) {
            String eku = role == Role.SERVER ? Certificates.SERVER_AUTH : Certificates.CLIENT_AUTH;
            String purpose = role == Role.SERVER ? "serverAuth" : "clientAuth";
            if (!Certificates.allowsPurpose(leaf, eku)) {
                throw TlsException.inFile(certFile, "the certificate " + Certificates.name(leaf) + " lacks the " + purpose
                        + " extended key usage, so peers refuse it as a " + role.name().toLowerCase() + " certificate",
                        "issue it with extendedKeyUsage serverAuth, clientAuth (scripts/generate_certs.sh does)");
            }
        }
    }
}
