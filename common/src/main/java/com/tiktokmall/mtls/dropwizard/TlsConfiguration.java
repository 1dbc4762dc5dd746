package com.tiktokmall.mtls.dropwizard;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.tiktokmall.mtls.MtlsContext;
import com.tiktokmall.mtls.reload.TlsFiles;
import com.tiktokmall.mtls.reload.TlsMaterialSource;
import com.tiktokmall.mtls.reload.WorkloadApiFeed;
import io.dropwizard.util.Duration;
import io.dropwizard.validation.MaxDuration;
import io.dropwizard.validation.MinDuration;
import io.dropwizard.validation.ValidationMethod;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Pattern;

import java.net.URI;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * The {@code tls:} block of a service's YAML, the same in every service. It drives every
 * connector and every outgoing client:
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
 *   trust_domain: tiktokmall.local       # peers are spiffe://tiktokmall.local/<service>
 *   crl: certs/crl.pem                   # optional: CRLs of the CAs; revoked peers are refused
 *   reload_interval: 30s                 # files are checked this often; new content is used at once
 *   expiry_warning: 14 days              # the tls health check warns this long before expiry
 *   provider: jsse                       # or conscrypt (BoringSSL): faster handshakes, same checks
 *   session_timeout: 1h                  # how long a TLS session may be resumed (at most 24h)
 *   handshake_timeout: 10s               # a connection whose handshake takes longer is closed
 *   source: files                        # or workload_api: the SVID and bundle from the SPIRE agent,
 *   workload_api_socket: unix:///run/spire/sockets/agent.sock  # default $SPIFFE_ENDPOINT_SOCKET
 *   workload_api_timeout: 10s            # start-up fails without an SVID by then
 * </pre>
 *
 * <p>With {@code source: workload_api} the five file settings are not used (and need not be set).
 *
 * <p>Paths are relative to the working directory. Every key can be overridden with a system
 * property such as {@code -Ddw.tls.server_cert=...}.
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

    /** Where the certificates come from. */
    public enum Source {
        /** The PEM files of the block, checked every {@code reload_interval}. */
        FILES,
        /** The SPIFFE Workload API (the SPIRE agent's socket), which pushes every new SVID and bundle. */
        WORKLOAD_API
    }

    @NotNull
    @JsonProperty
    private Source source = Source.FILES;

    @JsonProperty("workload_api_socket")
    private String workloadApiSocket;

    @NotNull
    @MinDuration(value = 1, unit = TimeUnit.SECONDS)
    @JsonProperty("workload_api_timeout")
    private Duration workloadApiTimeout = Duration.seconds(10);

    public boolean isEnabled() {
        return enabled;
    }

    public Path getCaCert() {
        return Path.of(caCert);
    }

    public Path getServerCert() {
        return Path.of(serverCert);
    }

    public Path getServerKey() {
        return Path.of(serverKey);
    }

    public Path getClientCert() {
        return Path.of(clientCert);
    }

    public Path getClientKey() {
        return Path.of(clientKey);
    }

    /** The password of encrypted keys; an empty value means none. */
    public Optional<char[]> getKeyPassword() {
        return Optional.ofNullable(keyPassword).filter(p -> !p.isEmpty()).map(String::toCharArray);
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

    /** How often the files are checked for new content. */
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

    /** Where the certificates come from: the files (default) or the SPIFFE Workload API. */
    public Source getSource() {
        return source;
    }

    /** The Workload API's address, {@code unix:///path}: the setting, else {@code SPIFFE_ENDPOINT_SOCKET}. */
    public URI getWorkloadApiSocket() {
        return workloadApiSocket == null || workloadApiSocket.isBlank() ? WorkloadApiFeed.socketFromEnvironment()
                : WorkloadApiFeed.parseSocket(workloadApiSocket);
    }

    /** How long start-up waits for the first SVID from the Workload API. */
    public Duration getWorkloadApiTimeout() {
        return workloadApiTimeout;
    }

    /** A feed of this block's SVIDs from the Workload API, checked like files would be. */
    @JsonIgnore
    public WorkloadApiFeed.Builder workloadApi() {
        return WorkloadApiFeed.at(getWorkloadApiSocket())
                .trustDomain(trustDomain)
                .timeout(workloadApiTimeout.toJavaDuration())
                .checkEvery(reloadInterval.toJavaDuration())
                .crl(getCrl().orElse(null))
                .protocols(protocols)
                .provider(provider.provider())
                .sessionTimeout(sessionTimeout.toJavaDuration());
    }

    /** The files of this block and how to use them, for a {@link TlsMaterialSource}. */
    @JsonIgnore
    public TlsFiles files() {
        return TlsFiles.builder()
                .caCert(getCaCert())
                .server(getServerCert(), getServerKey())
                .client(getClientCert(), getClientKey())
                .keyPassword(getKeyPassword().orElse(null))
                .crl(getCrl().orElse(null))
                .protocols(protocols)
                .provider(provider.provider())
                .sessionTimeout(sessionTimeout.toJavaDuration())
                .build();
    }

    @JsonIgnore
    @ValidationMethod(message = "tls: ca_cert, server_cert, server_key, client_cert and client_key must all be set"
            + " when tls.enabled is true (run scripts/generate_certs.sh, or set tls.enabled: false)")
    public boolean isEveryFileSetWhenEnabled() {
        return !enabled || source == Source.WORKLOAD_API || Stream.of(caCert, serverCert, serverKey, clientCert, clientKey)
                .noneMatch(file -> file == null || file.isBlank());
    }

    @JsonIgnore
    @ValidationMethod(message = "tls.protocols may list only TLSv1.3 and TLSv1.2, and at least one of them")
    public boolean isProtocolsModern() {
        return protocols != null && !protocols.isEmpty() && MtlsContext.DEFAULT_PROTOCOLS.containsAll(protocols);
    }
}
