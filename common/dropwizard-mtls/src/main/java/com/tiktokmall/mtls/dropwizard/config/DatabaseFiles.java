package com.tiktokmall.mtls.dropwizard.config;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.tiktokmall.mtls.TlsOptions;
import com.tiktokmall.mtls.source.FileSource;
import com.tiktokmall.mtls.source.TlsFiles;
import com.tiktokmall.mtls.source.TlsSource;
import io.dropwizard.validation.ValidationMethod;

import java.nio.file.Path;
import java.util.stream.Stream;

/**
 * {@code tls.database}: the certificate the database connection presents instead of
 * {@code client_cert}, and the CAs it trusts for the database server. PostgreSQL's {@code cert}
 * login takes the role from the certificate's CN, and an X.509-SVID has none, so a service whose
 * own identity is an SVID logs in with a certificate of its own, issued with {@code CN=<role>}.
 */
final class DatabaseFiles {
    @JsonProperty("ca_cert")
    private String caCert;

    @JsonProperty("client_cert")
    private String clientCert;

    @JsonProperty("client_key")
    private String clientKey;

    TlsFiles files() {
        return TlsFiles.builder().caCert(Path.of(caCert)).client(Path.of(clientCert), Path.of(clientKey))
                .settingsUnder("tls.database.").build();
    }

    @JsonIgnore
    @ValidationMethod(message = "tls.database: ca_cert, client_cert and client_key must all be set")
    public boolean isEveryFileSet() {
        return Stream.of(caCert, clientCert, clientKey).noneMatch(file -> file == null || file.isBlank());
    }

    /** A source watching the files; a problem, at start-up or on a reload, names its key under {@code tls.database}. */
    TlsSource build(TlsOptions options) {
        return FileSource.watching(files()).options(options).build();
    }
}
