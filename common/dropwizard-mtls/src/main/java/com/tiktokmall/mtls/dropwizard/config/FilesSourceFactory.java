package com.tiktokmall.mtls.dropwizard.config;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonTypeName;
import com.tiktokmall.mtls.TlsOptions;
import com.tiktokmall.mtls.source.FileSource;
import com.tiktokmall.mtls.source.TlsFiles;
import com.tiktokmall.mtls.source.TlsSource;
import jakarta.validation.constraints.NotEmpty;

import java.nio.file.Path;

/**
 * {@code tls.source.type: files}: the PEM files, checked for new content every
 * {@code tls.reload_interval}. The flat keys of the {@code tls} block ({@code tls.ca_cert}, ...)
 * are the short way to write this source.
 */
@JsonTypeName("files")
final class FilesSourceFactory implements TlsSourceFactory {
    @NotEmpty
    @JsonProperty("ca_cert")
    private String caCert;

    @NotEmpty
    @JsonProperty("server_cert")
    private String serverCert;

    @NotEmpty
    @JsonProperty("server_key")
    private String serverKey;

    @NotEmpty
    @JsonProperty("client_cert")
    private String clientCert;

    @NotEmpty
    @JsonProperty("client_key")
    private String clientKey;

    @JsonProperty("key_password")
    private String keyPassword;

    FilesSourceFactory() {
    }

    FilesSourceFactory(String caCert, String serverCert, String serverKey, String clientCert, String clientKey,
                       String keyPassword) {
        this.caCert = caCert;
        this.serverCert = serverCert;
        this.serverKey = serverKey;
        this.clientCert = clientCert;
        this.clientKey = clientKey;
        this.keyPassword = keyPassword;
    }

    /** The files, for a {@link FileSource} or a {@code TlsInspection}. */
    TlsFiles files() {
        return TlsFiles.builder()
                .caCert(Path.of(caCert))
                .server(Path.of(serverCert), Path.of(serverKey))
                .client(Path.of(clientCert), Path.of(clientKey))
                .keyPassword(keyPassword == null || keyPassword.isEmpty() ? null : keyPassword.toCharArray())
                .build();
    }

    @Override
    public TlsSource build(TlsOptions options, String trustDomain) {
        return FileSource.watching(files()).options(options).build();
    }
}
