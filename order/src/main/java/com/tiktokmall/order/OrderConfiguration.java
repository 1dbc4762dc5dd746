package com.tiktokmall.order;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.tiktokmall.mtls.dropwizard.config.MtlsConfiguration;
import io.dropwizard.db.DataSourceFactory;
import io.dropwizard.validation.ValidationMethod;
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

    @JsonIgnore
    @ValidationMethod(message = "auth.url must be https://host:port while tls.enabled is true")
    public boolean isAuthUrlHttpsWhenTlsEnabled() {
        return !getTls().isEnabled() || "https".equals(auth.getUrl().getScheme());
    }
}
