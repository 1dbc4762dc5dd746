package com.tiktokmall.mtls.dropwizard.config;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonTypeName;
import com.tiktokmall.mtls.TlsException;
import com.tiktokmall.mtls.TlsOptions;
import com.tiktokmall.mtls.source.TlsSource;
import com.tiktokmall.mtls.spiffe.WorkloadApiSource;
import io.dropwizard.util.Duration;
import io.dropwizard.validation.MinDuration;
import jakarta.validation.constraints.NotNull;

import java.net.URI;
import java.util.concurrent.TimeUnit;

/**
 * {@code tls.source.type: workload_api}: the X.509-SVID and bundle that a SPIRE agent pushes
 * through the SPIFFE Workload API, each checked as files would be.
 *
 * <pre>
 * tls:
 *   source:
 *     type: workload_api
 *     socket: unix:///run/spire/sockets/agent.sock   # default: $SPIFFE_ENDPOINT_SOCKET
 *     timeout: 10s                                   # start-up fails without an SVID by then
 * </pre>
 */
@JsonTypeName("workload_api")
final class WorkloadApiSourceFactory implements TlsSourceFactory {
    static final String ENVIRONMENT = "SPIFFE_ENDPOINT_SOCKET";

    @JsonProperty
    private String socket;

    @NotNull
    @MinDuration(value = 1, unit = TimeUnit.SECONDS)
    @JsonProperty
    private Duration timeout = Duration.seconds(10);

    /** The agent's address: {@code socket}, else {@code $SPIFFE_ENDPOINT_SOCKET}. */
    URI socket() {
        String address = socket == null || socket.isBlank() ? System.getenv(ENVIRONMENT) : socket;
        if (address == null || address.isBlank()) {
            throw TlsException.inSetting("tls.source.socket", "is not set, and neither is " + ENVIRONMENT,
                    "set tls.source.socket: unix:///path/to/agent.sock or the environment variable");
        }
        try {
            return WorkloadApiSource.parseSocket(address);
        } catch (TlsException e) {
            throw e.withSetting("tls.source.socket");
        }
    }

    @Override
    public TlsSource build(TlsOptions options, String trustDomain) {
        URI address = socket();
        try {
            return WorkloadApiSource.at(address).trustDomain(trustDomain).timeout(timeout.toJavaDuration())
                    .options(options).connect();
        } catch (TlsException e) {
            throw e.withSetting(e.getMessage().contains("trust domain") ? "tls.trust_domain" : "tls.source.socket");
        }
    }
}
