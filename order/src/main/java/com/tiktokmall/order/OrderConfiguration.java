package com.tiktokmall.order;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.tiktokmall.authclient.AuthServiceConfiguration;
import com.tiktokmall.mtls.dropwizard.config.MtlsConfiguration;
import io.dropwizard.db.DataSourceFactory;
import jakarta.validation.Valid;
import jakarta.validation.constraints.NotNull;

/** config/order.yml: the {@code tls} and {@code authorization} blocks, and order's own. */
public class OrderConfiguration extends MtlsConfiguration {
    @Valid
    @NotNull
    @JsonProperty
    private AuthServiceConfiguration auth = new AuthServiceConfiguration();

    @Valid
    @NotNull
    @JsonProperty
    private DataSourceFactory database = new DataSourceFactory();

    public AuthServiceConfiguration getAuth() {
        return auth;
    }

    public DataSourceFactory getDatabase() {
        return database;
    }
}
