package com.tiktokmall.mtls.dropwizard.config;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.tiktokmall.mtls.MtlsContext;
import com.tiktokmall.mtls.TlsOptions;
import com.tiktokmall.mtls.source.TlsFiles;
import com.tiktokmall.mtls.source.TlsSource;
import io.dropwizard.util.Duration;
import io.dropwizard.validation.MaxDuration;
import io.dropwizard.validation.MinDuration;
import io.dropwizard.validation.ValidationMethod;
import jakarta.validation.Valid;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Pattern;

import java.nio.file.Path;
import java.security.Provider;
import java.time.Clock;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * The {@code tls:} block of a service's YAML, the same in every service. It drives every
 * {@code type: mtls} connector, every outgoing client and the database connection:
 *
 * <pre>
 * tls:
 *   enabled: true                        # false: plain HTTP everywhere, with a WARN at start
 *   ca_cert: certs/ca-cert.pem           # PEM bundle: every CA trusted for peers
 *   server_cert: certs/auth-cert.pem     # PEM leaf, optionally followed by intermediates
 *   server_key: certs/auth-key.pem       # PKCS#8, PKCS#1 (RSA) or SEC1 (EC)
 *   client_cert: certs/auth-cert.pem
 *   client_key: certs/auth-key.pem
 *   key_password: ${AUTH_KEY_PASSWORD:-} # optional, for encrypted keys
 *   protocols: [TLSv1.3, TLSv1.2]        # the default; nothing older is allowed
 *   trust_domain: tiktokmall.local       # peers are spiffe://tiktokmall.local/&lt;service&gt;
 *   crl: certs/crl.pem                   # optional: CRLs of the CAs; revoked peers are refused
 *   reload_interval: 30s                 # material is checked this often; new content is used at once
 *   expiry_warning: 14 days              # the tls health check warns this long before expiry
 *   provider: auto                       # or jsse, accp, conscrypt
 *   session_timeout: 1h                  # how long a TLS session may be resumed (at most 24h)
 *   handshake_timeout: 10s               # a connection whose handshake takes longer is closed
 *   database:                            # optional: what the database connection presents instead
 *     ca_cert: db-tls/ca.crt             #   of client_cert (a certificate whose CN is the role), and
 *     client_cert: db-tls/tls.crt        #   the CAs it trusts for the database server
 *     client_key: db-tls/tls.key
 * </pre>
 *
 * <p>The five file keys are the short form of {@code source: {type: files, ...}}; instead of
 * them, {@code source} may name another origin, such as
 * {@code source: {type: workload_api, socket: unix:///run/spire/sockets/agent.sock}}
 * (see {@link TlsSourceFactory}). Paths are relative to the working directory. Every key can be
 * overridden with a system property such as {@code -Ddw.tls.server_cert=...}.
 */
public class TlsConfiguration {
    @JsonProperty
    private boolean enabled = true;

    @JsonProperty("ca_cert")
    private String caCert;

    @JsonProperty("server_cert")
    private String serverCert;

    @JsonProperty("server_key")
    private String serverKey;

    @JsonProperty("client_cert")
    private String clientCert;

    @JsonProperty("client_key")
    private String clientKey;

    @JsonProperty("key_password")
    private String keyPassword;

    @Valid
    @JsonProperty
    private TlsSourceFactory source;

    @JsonProperty
    private List<String> protocols = MtlsContext.DEFAULT_PROTOCOLS;

    @NotNull
    @Pattern(regexp = "[a-z0-9._-]+", message = "must be a SPIFFE trust domain: lowercase letters, digits, '.', '-', '_'")
    @JsonProperty("trust_domain")
    private String trustDomain = "tiktokmall.local";

    @JsonProperty
    private String crl;

    @NotNull
    @MinDuration(value = 1, unit = TimeUnit.SECONDS)
    @JsonProperty("reload_interval")
    private Duration reloadInterval = Duration.seconds(30);

    @NotNull
    @JsonProperty("expiry_warning")
    private Duration expiryWarning = Duration.days(14);

    @NotNull
    @JsonProperty
    private TlsProvider provider = TlsProvider.AUTO;

    @NotNull
    @MinDuration(value = 1, unit = TimeUnit.SECONDS)
    @MaxDuration(value = 24, unit = TimeUnit.HOURS)
    @JsonProperty("session_timeout")
    private Duration sessionTimeout = Duration.hours(1);

    @NotNull
    @MinDuration(value = 1, unit = TimeUnit.SECONDS)
    @MaxDuration(value = 5, unit = TimeUnit.MINUTES)
    @JsonProperty("handshake_timeout")
    private Duration handshakeTimeout = Duration.seconds(10);

    @Valid
    @JsonProperty
    private DatabaseFiles database;

    public boolean isEnabled() {
        return enabled;
    }

    /**
     * Where the certificates come from: {@code tls.source}, or the PEM files of the flat keys
     * when it is not set.
     */
    @JsonIgnore
    public TlsSourceFactory getSource() {
        return source != null ? source
                : new FilesSourceFactory(caCert, serverCert, serverKey, clientCert, clientKey, keyPassword);
    }

    /** The PEM files, when the certificates come from files; empty for another {@code tls.source}. */
    @JsonIgnore
    public Optional<TlsFiles> getFiles() {
        return getSource() instanceof FilesSourceFactory files ? Optional.of(files.files()) : Optional.empty();
    }

    /**
     * {@code tls.database}: the files of the certificate the database connection presents instead
     * of {@code client_cert} (PostgreSQL takes the role from its CN) and of the CAs it trusts for
     * the server; empty when not set, and the database connection uses the source's client context.
     */
    @JsonIgnore
    public Optional<TlsFiles> getDatabaseFiles() {
        return Optional.ofNullable(database).map(DatabaseFiles::files);
    }

    /**
     * A source watching the files of {@code tls.database} with these {@code options} (without
     * {@code tls.crl}, whose CRLs belong to the CAs of {@code ca_cert}); empty when not set.
     *
     * @throws com.tiktokmall.mtls.TlsException naming the {@code tls.database} key at fault
     */
    public Optional<TlsSource> buildDatabaseSource(TlsOptions options) {
        return Optional.ofNullable(database).map(files -> files.build(options.toBuilder().crl(null).build()));
    }

    public List<String> getProtocols() {
        return protocols;
    }

    /** The SPIFFE trust domain whose URI SANs identify peers: {@code spiffe://<trust_domain>/<service>}. */
    public String getTrustDomain() {
        return trustDomain;
    }

    /** A PEM file of CRLs, one per CA of {@code ca_cert}; when set, revoked peer certificates are refused. */
    public Optional<Path> getCrl() {
        return Optional.ofNullable(crl).filter(c -> !c.isBlank()).map(Path::of);
    }

    /** How often the material is checked for new content (and connections for expired peers). */
    public Duration getReloadInterval() {
        return reloadInterval;
    }

    /** Which TLS implementation runs the handshakes: auto (default), jsse, accp or conscrypt. */
    public TlsProvider getProvider() {
        return provider;
    }

    /** How long a TLS session may be resumed without a full handshake (and so without its peer checked again). */
    public Duration getSessionTimeout() {
        return sessionTimeout;
    }

    /**
     * How long a TLS handshake may take from the moment the connection opens, however slowly its
     * bytes arrive (each byte would reset an idle timeout); then the connection is closed.
     */
    public Duration getHandshakeTimeout() {
        return handshakeTimeout;
    }

    /** How long before a certificate expires the health check starts warning. */
    public Duration getExpiryWarning() {
        return expiryWarning;
    }

    /**
     * The options of this block for every source and context: protocols, CRL, session timeout and
     * reload interval from here, with the {@code provider} that {@link TlsProvider#install()} gave
     * and the service's {@code clock}.
     */
    public TlsOptions options(Provider provider, Clock clock) {
        return TlsOptions.builder()
                .protocols(protocols)
                .provider(provider)
                .crl(getCrl().orElse(null))
                .sessionTimeout(sessionTimeout.toJavaDuration())
                .checkEvery(reloadInterval.toJavaDuration())
                .clock(clock)
                .build();
    }

    @JsonIgnore
    @ValidationMethod(message = "tls: ca_cert, server_cert, server_key, client_cert and client_key must all be set"
            + " when tls.enabled is true (run scripts/generate_certs.sh, or set tls.enabled: false)")
    public boolean isEveryFileSetWhenEnabled() {
        return !enabled || source != null || flatFiles().noneMatch(file -> file == null || file.isBlank());
    }

    @JsonIgnore
    @ValidationMethod(message = "tls: set the certificate files either as the keys of tls (ca_cert, server_cert, ...)"
            + " or inside tls.source, not both")
    public boolean isSourceGivenOnce() {
        return source == null || Stream.concat(flatFiles(), Stream.of(keyPassword)).allMatch(v -> v == null || v.isEmpty());
    }

    @JsonIgnore
    @ValidationMethod(message = "tls.protocols may list only TLSv1.3 and TLSv1.2, and at least one of them")
    public boolean isProtocolsModern() {
        return protocols != null && !protocols.isEmpty() && MtlsContext.DEFAULT_PROTOCOLS.containsAll(protocols);
    }

    private Stream<String> flatFiles() {
        return Stream.of(caCert, serverCert, serverKey, clientCert, clientKey);
    }
}
