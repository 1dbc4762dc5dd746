package com.tiktokmall.mtls.dropwizard.config;

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
 *   max_connections: 64 # open at once; past it new connections wait in the backlog
 * </pre>
 */
public class ProbesConfiguration {
    @Min(0)
    @Max(65535)
    @JsonProperty
    private int port;

    @JsonProperty("bind_host")
    private String bindHost;

    @Min(1)
    @Max(1024)
    @JsonProperty("max_connections")
    private int maxConnections = 64;

    public int getPort() {
        return port;
    }

    /** The address to listen on; {@code null} for every interface. */
    public String getBindHost() {
        return bindHost;
    }

    /**
     * How many connections may be open at once. Kubelet needs one or two per probe period; the
     * bound keeps a flood from costing a file descriptor each, but whoever holds them all makes
     * probes wait, so only the node (or localhost) should reach this port.
     */
    public int getMaxConnections() {
        return maxConnections;
    }

    /** Whether a probe port is wanted. */
    public boolean isEnabled() {
        return port > 0;
    }
}
