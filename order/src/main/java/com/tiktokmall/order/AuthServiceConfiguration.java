package com.tiktokmall.order;

import com.fasterxml.jackson.annotation.JsonProperty;
import io.dropwizard.client.JerseyClientConfiguration;
import jakarta.validation.Valid;
import jakarta.validation.constraints.NotNull;

import java.net.URI;

/** The {@code auth:} block of config/order.yml: where auth is and how to call it. */
public class AuthServiceConfiguration {
    @NotNull
    @JsonProperty
    private URI url = URI.create("https://localhost:8443");

    @Valid
    @NotNull
    @JsonProperty
    private JerseyClientConfiguration client = new JerseyClientConfiguration();

    public URI getUrl() {
        return url;
    }

    public JerseyClientConfiguration getClient() {
        return client;
    }
}
