package com.tiktokmall.auth;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.tiktokmall.mtls.dropwizard.config.MtlsConfiguration;
import io.dropwizard.db.DataSourceFactory;
import io.dropwizard.util.DataSize;
import jakarta.validation.Valid;
import jakarta.validation.constraints.NotNull;

/** config/auth.yml: the {@code tls} and {@code authorization} blocks, and auth's own. */
public class AuthConfiguration extends MtlsConfiguration {
    @Valid
    @NotNull
    @JsonProperty
    private TokensConfiguration tokens = new TokensConfiguration();

    @Valid
    @NotNull
    @JsonProperty
    private DataSourceFactory database = new DataSourceFactory();

    /** auth's requests are small: a user id or a token. */
    public AuthConfiguration() {
        getLimits().setMaxRequestBody(DataSize.kibibytes(16));
    }

    public TokensConfiguration getTokens() {
        return tokens;
    }

    public DataSourceFactory getDatabase() {
        return database;
    }
}
