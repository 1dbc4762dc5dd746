package com.tiktokmall.order;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.tiktokmall.mtls.SpiffeId;
import com.tiktokmall.mtls.TlsException;
import com.tiktokmall.mtls.dropwizard.config.SettingException;
import io.dropwizard.client.JerseyClientConfiguration;
import jakarta.validation.Valid;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotNull;

import java.net.URI;

/** The {@code auth:} block of config/order.yml: where auth is and how to call it. */
public class AuthServiceConfiguration {
    @NotNull
    @JsonProperty
    private URI url = URI.create("https://localhost:8443");

    @JsonProperty
    private String identity;

    @Valid
    @NotNull
    @JsonProperty
    private JerseyClientConfiguration client = new JerseyClientConfiguration();

    @Min(256)
    @Max(65536)
    @JsonProperty("max_token_length")
    private int maxTokenLength = 4096;

    public URI getUrl() {
        return url;
    }

    /**
     * The SPIFFE ID auth must present during the handshake (order refuses any other server, before
     * the bearer token is sent): {@code identity}, by default {@code spiffe://<trust domain>/auth}.
     *
     * @throws SettingException when {@code auth.identity} is not a SPIFFE ID of the trust domain
     */
    public SpiffeId identity(String trustDomain) {
        if (identity == null || identity.isBlank()) {
            return SpiffeId.parse("spiffe://" + trustDomain + "/auth");
        }
        try {
            SpiffeId id = SpiffeId.parse(identity);
            if (!id.trustDomain().equals(trustDomain)) {
                throw new SettingException("auth.identity", id + " is not in the trust domain " + trustDomain,
                        "write spiffe://" + trustDomain + "/auth");
            }
            return id;
        } catch (TlsException e) {
            throw new SettingException("auth.identity", e.problem(), "write spiffe://" + trustDomain + "/auth");
        }
    }

    /** The longest bearer token sent to auth, in characters; a longer one is refused with 401 unasked. */
    public int getMaxTokenLength() {
        return maxTokenLength;
    }

    public JerseyClientConfiguration getClient() {
        return client;
    }
}
