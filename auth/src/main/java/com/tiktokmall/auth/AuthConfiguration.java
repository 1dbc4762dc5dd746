package com.tiktokmall.auth;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.tiktokmall.mtls.dropwizard.TlsConfiguration;
import io.dropwizard.core.Configuration;
import jakarta.validation.Valid;
import jakarta.validation.constraints.NotNull;

public class AuthConfiguration extends Configuration {
    @Valid
    @NotNull
    @JsonProperty
    private TlsConfiguration tls = new TlsConfiguration();

    public TlsConfiguration getTls() {
        return tls;
    }
}
