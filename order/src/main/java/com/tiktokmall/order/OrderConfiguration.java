package com.tiktokmall.order;

import com.fasterxml.jackson.annotation.JsonProperty;
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

    public TlsConfiguration getTls() {
        return tls;
    }

    public AuthServiceConfiguration getAuth() {
        return auth;
    }

    public DataSourceFactory getDatabase() {
        return database;
    }
}
