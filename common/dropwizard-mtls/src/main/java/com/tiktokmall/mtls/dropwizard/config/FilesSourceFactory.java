package com.tiktokmall.mtls.dropwizard.config;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonTypeName;
import com.tiktokmall.mtls.TlsException;
import com.tiktokmall.mtls.TlsOptions;
import com.tiktokmall.mtls.source.FileSource;
import com.tiktokmall.mtls.source.TlsFiles;
import com.tiktokmall.mtls.source.TlsSource;
import io.dropwizard.validation.ValidationMethod;

import java.nio.file.Path;
import java.util.stream.Stream;

/**
 * {@code tls.source.type: files}: the PEM files, checked for new content every
 * {@code tls.reload_interval}. The flat keys of the {@code tls} block ({@code tls.ca_cert}, ...)
 * are the short way to write this source.
 */
@JsonTypeName("files")
final class FilesSourceFactory implements TlsSourceFactory {
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

    /** Where the keys are written: {@code tls.source.} in a source block, {@code tls.} as the flat keys. */
    private final String prefix;

    FilesSourceFactory() {
        this.prefix = "tls.source.";
    }

    FilesSourceFactory(String caCert, String serverCert, String serverKey, String clientCert, String clientKey,
                       String keyPassword) {
        this.caCert = caCert;
        this.serverCert = serverCert;
        this.serverKey = serverKey;
        this.clientCert = clientCert;
        this.clientKey = clientKey;
        this.keyPassword = keyPassword;
        this.prefix = "tls.";
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

    @JsonIgnore
    @ValidationMethod(message = "tls.source: ca_cert, server_cert, server_key, client_cert and client_key must all be set")
    public boolean isEveryFileSet() {
        return Stream.of(caCert, serverCert, serverKey, clientCert, clientKey).noneMatch(f -> f == null || f.isBlank());
    }

    @Override
    public TlsSource build(TlsOptions options, String trustDomain) {
        try {
            return FileSource.watching(files()).options(options).build();
        } catch (TlsException e) {
            // the core names the flat keys; in a source block they are written one level down
            throw e.setting().filter(setting -> !prefix.equals("tls.") && !setting.equals("tls.crl"))
                    .map(setting -> e.withSetting(setting.replace("tls.", prefix))).orElse(e);
        }
    }
}
