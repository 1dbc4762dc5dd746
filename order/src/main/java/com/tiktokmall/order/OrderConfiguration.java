package com.tiktokmall.order;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.tiktokmall.mtls.dropwizard.AuthorizationConfiguration;
import com.tiktokmall.mtls.dropwizard.TlsConfiguration;
import io.dropwizard.core.Configuration;
import io.dropwizard.db.DataSourceFactory;
import jakarta.validation.Valid;
import jakarta.validation.constraints.NotNull;

public class OrderConfiguration extends Configuration {
    @Valid
    @NotNull
    @JsonProperty
    private TlsConfiguration tls = new TlsConfiguration();

    @Valid
    @NotNull
    @JsonProperty
    private AuthServiceConfiguration auth = new AuthServiceConfiguration();

    @Valid
    @NotNull
    @JsonProperty
    private DataSourceFactory database = new DataSourceFactory();

    @Valid
    @NotNull
    @JsonProperty
    private AuthorizationConfiguration authorization = new AuthorizationConfiguration();

    public TlsConfiguration getTls() {
        return tls;
    }

    public AuthorizationConfiguration getAuthorization() {
        return authorization;
    }

    public AuthServiceConfiguration getAuth() {
        return auth;
    }

    public DataSourceFactory getDatabase() {
        return database;
    }
}
