package com.tiktokmall.payment;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.tiktokmall.authclient.AuthServiceConfiguration;
import com.tiktokmall.mtls.dropwizard.config.MtlsConfiguration;
import com.tiktokmall.mtls.dropwizard.config.ServiceClientConfiguration;
import io.dropwizard.db.DataSourceFactory;
import io.dropwizard.util.Duration;
import io.dropwizard.validation.MaxDuration;
import io.dropwizard.validation.MinDuration;
import jakarta.validation.Valid;
import jakarta.validation.constraints.NotNull;

import java.net.URI;
import java.util.concurrent.TimeUnit;

/** config/payment.yml: the {@code tls} and {@code authorization} blocks, and payment's own. */
public class PaymentConfiguration extends MtlsConfiguration {
    @Valid
    @NotNull
    @JsonProperty
    private AuthServiceConfiguration auth = new AuthServiceConfiguration();

    @Valid
    @NotNull
    @JsonProperty
    private ServiceClientConfiguration order = new ServiceClientConfiguration(URI.create("https://localhost:9443"));

    @Valid
    @NotNull
    @JsonProperty
    private DataSourceFactory database = new DataSourceFactory();

    @NotNull
    @MinDuration(value = 1, unit = TimeUnit.SECONDS)
    @MaxDuration(value = 1, unit = TimeUnit.HOURS)
    @JsonProperty("retry_interval")
    private Duration retryInterval = Duration.seconds(10);

    public AuthServiceConfiguration getAuth() {
        return auth;
    }

    public ServiceClientConfiguration getOrder() {
        return order;
    }

    public DataSourceFactory getDatabase() {
        return database;
    }

    /** How often charges that order has not confirmed yet are offered to it again. */
    public Duration getRetryInterval() {
        return retryInterval;
    }
}
