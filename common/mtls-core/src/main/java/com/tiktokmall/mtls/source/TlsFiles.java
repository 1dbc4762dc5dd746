package com.tiktokmall.mtls.source;

import com.tiktokmall.mtls.MtlsContext;

import java.nio.file.Path;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * Where a service's TLS material lives: the PEM files of the {@code tls} block (how they are
 * used is a {@link com.tiktokmall.mtls.TlsOptions}). Immutable; a {@link FileSource} reads them.
 *
 * <pre>{@code
 * TlsFiles files = TlsFiles.builder()
 *         .caCert(Path.of("certs/ca-cert.pem"))
 *         .server(Path.of("certs/auth-cert.pem"), Path.of("certs/auth-key.pem"))
 *         .client(Path.of("certs/auth-cert.pem"), Path.of("certs/auth-key.pem"))
 *         .build();
 * }</pre>
 *
 * <p>Without {@link Builder#server} the files describe a client only, such as the certificate a
 * database connection presents: its material has no server context.
 */
public final class TlsFiles {
    private final Path caCert;
    private final Path serverCert;
    private final Path serverKey;
    private final Path clientCert;
    private final Path clientKey;
    private final char[] keyPassword;
    private final String settings;

    private TlsFiles(Builder builder) {
        this.caCert = Objects.requireNonNull(builder.caCert, "caCert");
        this.serverCert = builder.serverCert;
        this.serverKey = builder.serverKey;
        if ((serverCert == null) != (serverKey == null)) {
            throw new NullPointerException(serverCert == null ? "server cert" : "server key");
        }
        this.clientCert = Objects.requireNonNull(builder.clientCert, "client cert");
        this.clientKey = Objects.requireNonNull(builder.clientKey, "client key");
        this.keyPassword = builder.keyPassword == null ? null : builder.keyPassword.clone();
        this.settings = builder.settings;
    }

    public static Builder builder() {
        return new Builder();
    }

    public Path caCert() {
        return caCert;
    }

    /** The roles these files serve: the client, and the server unless they describe a client only. */
    public List<MtlsContext.Role> roles() {
        return serverCert == null ? List.of(MtlsContext.Role.CLIENT) : List.of(MtlsContext.Role.values());
    }

    /** The certificate file of a role: {@code server_cert} or {@code client_cert}; null for a role not in {@link #roles()}. */
    public Path cert(MtlsContext.Role role) {
        return role == MtlsContext.Role.SERVER ? serverCert : clientCert;
    }

    /** The key file of a role: {@code server_key} or {@code client_key}; null for a role not in {@link #roles()}. */
    public Path key(MtlsContext.Role role) {
        return role == MtlsContext.Role.SERVER ? serverKey : clientKey;
    }

    /** The configuration key of one of these files, e.g. {@code tls.client_cert} for {@code client_cert}, as problems name it. */
    public String setting(String file) {
        return settings + file;
    }

    public Optional<char[]> keyPassword() {
        return Optional.ofNullable(keyPassword).map(char[]::clone);
    }

    /** Every file, in a fixed order: what a reload watches. */
    List<Path> all() {
        return serverCert == null ? List.of(caCert, clientCert, clientKey)
                : List.of(caCert, serverCert, serverKey, clientCert, clientKey);
    }

    /** Options of {@link TlsFiles}; each method names its default. */
    public static final class Builder {
        private Path caCert;
        private Path serverCert;
        private Path serverKey;
        private Path clientCert;
        private Path clientKey;
        private char[] keyPassword;
        private String settings = "tls.";

        private Builder() {
        }

        /** The PEM bundle of every CA trusted for peers ({@code ca_cert}). Required. */
        public Builder caCert(Path caCert) {
            this.caCert = caCert;
            return this;
        }

        /** The certificate chain and key this side presents as a server; default none: a client only. */
        public Builder server(Path cert, Path key) {
            this.serverCert = cert;
            this.serverKey = key;
            return this;
        }

        /** The certificate chain and key this side presents as a client. Required. */
        public Builder client(Path cert, Path key) {
            this.clientCert = cert;
            this.clientKey = key;
            return this;
        }

        /** The password of encrypted keys; default none. */
        public Builder keyPassword(char[] keyPassword) {
            this.keyPassword = keyPassword == null ? null : keyPassword.clone();
            return this;
        }

        /**
         * Where the files are set in the configuration, for problems to name them: default
         * {@code tls.}, giving {@code tls.ca_cert}, {@code tls.server_cert}, ...
         */
        public Builder settingsUnder(String prefix) {
            this.settings = Objects.requireNonNull(prefix, "prefix");
            return this;
        }

        public TlsFiles build() {
            return new TlsFiles(this);
        }
    }
}
