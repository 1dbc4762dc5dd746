package com.tiktokmall.authclient;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.tiktokmall.mtls.dropwizard.config.ServiceClientConfiguration;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;

import java.net.URI;

/**
 * The {@code auth:} block of a service that asks auth about bearer tokens: where auth is and how to
 * call it ({@link ServiceClientConfiguration}), and the longest token worth asking about.
 */
public class AuthServiceConfiguration extends ServiceClientConfiguration {
    @Min(256)
    @Max(65536)
    @JsonProperty("max_token_length")
    private int maxTokenLength = 4096;

    public AuthServiceConfiguration() {
        super(URI.create("https://localhost:8443"));
    }

    /** The longest bearer token sent to auth, in characters; a longer one is refused with 401 unasked. */
    public int getMaxTokenLength() {
        return maxTokenLength;
    }
}
