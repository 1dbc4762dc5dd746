package com.tiktokmall.mtls.dropwizard.config;

import com.fasterxml.jackson.annotation.JsonTypeInfo;
import com.tiktokmall.mtls.TlsOptions;
import com.tiktokmall.mtls.source.TlsSource;
import io.dropwizard.jackson.Discoverable;

/**
 * {@code tls.source}: where a service's certificates come from, chosen by {@code type} like any
 * Dropwizard factory. Built in: {@code files} (the PEM files, also written as the flat keys of
 * the {@code tls} block) and {@code workload_api} (the SPIFFE Workload API of a SPIRE agent).
 * Another origin is a class implementing this interface with {@code @JsonTypeName}, listed in
 * {@code META-INF/services/com.tiktokmall.mtls.dropwizard.config.TlsSourceFactory}.
 */
@JsonTypeInfo(use = JsonTypeInfo.Id.NAME, property = "type")
public interface TlsSourceFactory extends Discoverable {
    /**
     * The source, with its first material already checked (fail closed); not started.
     *
     * @param trustDomain the trust domain every identity must belong to ({@code tls.trust_domain})
     * @throws com.tiktokmall.mtls.TlsException naming the setting at fault
     */
    TlsSource build(TlsOptions options, String trustDomain);
}
