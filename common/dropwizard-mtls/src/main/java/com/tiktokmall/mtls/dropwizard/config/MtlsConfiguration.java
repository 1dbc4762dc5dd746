package com.tiktokmall.mtls.dropwizard.config;

import com.fasterxml.jackson.annotation.JsonMerge;
import com.fasterxml.jackson.annotation.JsonProperty;
import io.dropwizard.core.Configuration;
import jakarta.validation.Valid;
import jakarta.validation.constraints.NotNull;

/**
 * A Dropwizard configuration with the blocks this library reads: {@code tls:},
 * {@code authorization:}, {@code probes:} and {@code limits:}. A service's configuration extends
 * it and adds its own blocks:
 *
 * <pre>{@code
 * public class OrderConfiguration extends MtlsConfiguration { ... }
 * private final MtlsBundle<OrderConfiguration> mtls = MtlsBundle.create();
 * }</pre>
 */
public class MtlsConfiguration extends Configuration {
    @Valid
    @NotNull
    @JsonProperty
    private TlsConfiguration tls = new TlsConfiguration();

    @Valid
    @NotNull
    @JsonProperty
    private AuthorizationConfiguration authorization = new AuthorizationConfiguration();

    /** Merged: a service may change a default in its constructor, and the YAML still overrides it. */
    @Valid
    @NotNull
    @JsonMerge
    @JsonProperty
    private LimitsConfiguration limits = new LimitsConfiguration();

    @Valid
    @NotNull
    @JsonProperty
    private ProbesConfiguration probes = new ProbesConfiguration();

    public TlsConfiguration getTls() {
        return tls;
    }

    public AuthorizationConfiguration getAuthorization() {
        return authorization;
    }

    public LimitsConfiguration getLimits() {
        return limits;
    }

    /** The plain-HTTP probe port for kubelet; off unless {@code probes.port} is set. */
    public ProbesConfiguration getProbes() {
        return probes;
    }
}
