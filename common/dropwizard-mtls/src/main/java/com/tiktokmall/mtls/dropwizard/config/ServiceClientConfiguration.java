package com.tiktokmall.mtls.dropwizard.config;

import com.fasterxml.jackson.annotation.JsonMerge;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.tiktokmall.mtls.SpiffeId;
import com.tiktokmall.mtls.TlsException;
import io.dropwizard.client.JerseyClientConfiguration;
import jakarta.validation.Valid;
import jakarta.validation.constraints.NotNull;

import java.net.URI;

/**
 * The block of one service this service calls, e.g. order's {@code auth:}; give it to
 * {@link com.tiktokmall.mtls.dropwizard.MtlsBundle#client MtlsBundle.client}.
 *
 * <pre>
 * auth:
 *   url: https://localhost:8443
 *   identity: spiffe://tiktokmall.local/auth   # default: spiffe://&lt;tls.trust_domain&gt;/&lt;block name&gt;
 *   client:                                    # Dropwizard's JerseyClientConfiguration
 *     timeout: 2s
 *     keepAlive: 20s
 * </pre>
 *
 * <p>{@code client} is merged over this block's defaults, which differ from Dropwizard's in one
 * setting: {@code chunkedEncodingEnabled} is false, so that a request body is buffered and can be
 * sent again when its connection turns out closed before any response.
 */
public class ServiceClientConfiguration {
    @NotNull
    @JsonProperty
    private URI url;

    @JsonProperty
    private String identity;

    @Valid
    @NotNull
    @JsonProperty
    @JsonMerge
    private JerseyClientConfiguration client = bufferedBodies();

    /** A block whose {@code url} is {@code defaultUrl} unless the YAML says otherwise. */
    public ServiceClientConfiguration(URI defaultUrl) {
        this.url = defaultUrl;
    }

    public ServiceClientConfiguration() {
        this(null);
    }

    public URI getUrl() {
        return url;
    }

    public JerseyClientConfiguration getClient() {
        return client;
    }

    private static JerseyClientConfiguration bufferedBodies() {
        JerseyClientConfiguration client = new JerseyClientConfiguration();
        client.setChunkedEncodingEnabled(false);
        return client;
    }

    /**
     * The SPIFFE ID the server must present during the handshake: {@code identity}, by default
     * {@code spiffe://<trustDomain>/<name>}.
     *
     * @param name the block's name, e.g. {@code auth}
     * @throws SettingException when {@code <name>.identity} is not a SPIFFE ID of the trust domain
     */
    public SpiffeId identity(String name, String trustDomain) {
        String expected = "spiffe://" + trustDomain + "/" + name;
        if (identity == null || identity.isBlank()) {
            return SpiffeId.parse(expected);
        }
        try {
            SpiffeId id = SpiffeId.parse(identity);
            if (!id.trustDomain().equals(trustDomain)) {
                throw new SettingException(name + ".identity", id + " is not in the trust domain " + trustDomain,
                        "write " + expected);
            }
            return id;
        } catch (TlsException e) {
            throw new SettingException(name + ".identity", e.problem(), "write " + expected);
        }
    }
}
