package com.tiktokmall.mtls.dropwizard;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.tiktokmall.mtls.dropwizard.authorization.AuthorizationConfiguration;
import io.dropwizard.core.Configuration;
import jakarta.validation.Valid;
import jakarta.validation.constraints.NotNull;

/**
 * A Dropwizard configuration with the two blocks this library reads: {@code tls:} and
 * {@code authorization:}. Extend it, or put a {@link TlsConfiguration} (and an
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

    public TlsConfiguration getTls() {
        return tls;
    }

    public AuthorizationConfiguration getAuthorization() {
        return authorization;
    }
}
