package com.tiktokmall.mtls.dropwizard.probes;

import com.fasterxml.jackson.annotation.JsonProperty;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;

/**
 * The optional {@code probes:} block: a plain-HTTP port for kubelet, which cannot present a client
 * certificate (kubernetes#60952), serving only {@code GET /livez} and {@code GET /readyz} as bare
 * status codes.
 *
 * <pre>
 * probes:
 *   port: 8445          # absent or 0: no probe port
 *   bind_host: 0.0.0.0  # default: every interface, as kubelet probes the pod's address
 * </pre>
 */
public class ProbesConfiguration {
    @Min(0)
    @Max(65535)
    @JsonProperty
    private int port;

    @JsonProperty("bind_host")
    private String bindHost;

    public int getPort() {
        return port;
    }

    /** The address to listen on; {@code null} for every interface. */
    public String getBindHost() {
        return bindHost;
    }

    /** Whether a probe port is wanted. */
    public boolean isEnabled() {
        return port > 0;
    }
}
