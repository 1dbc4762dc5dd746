package com.tiktokmall.mtls.dropwizard;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.tiktokmall.mtls.dropwizard.authorization.AuthorizationConfiguration;
import com.tiktokmall.mtls.dropwizard.probes.ProbesConfiguration;
import io.dropwizard.core.Configuration;
import jakarta.validation.Valid;
import jakarta.validation.constraints.NotNull;

/**
 * A Dropwizard configuration with the blocks this library reads: {@code tls:},
 * {@code authorization:} and {@code probes:}. Extend it, or put a {@link TlsConfiguration} (and an
 * {@link AuthorizationConfiguration}) in your own configuration class.
 *
 * <pre>{@code
 * public class OrderConfiguration extends MtlsConfiguration { ... }
 * private final MtlsBundle<OrderConfiguration> mtls = MtlsBundle.of(OrderConfiguration::getTls);
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

    /** The plain-HTTP probe port for kubelet; off unless {@code probes.port} is set. */
    public ProbesConfiguration getProbes() {
        return probes;
    }
}
