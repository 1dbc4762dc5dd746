package com.tiktokmall.mtls.dropwizard.config;

import com.fasterxml.jackson.annotation.JsonProperty;
import io.dropwizard.util.Duration;
import io.dropwizard.validation.MaxDuration;
import io.dropwizard.validation.MinDuration;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotNull;

import java.util.concurrent.TimeUnit;

/**
 * The optional {@code probes:} block: a plain-HTTP port for kubelet, which cannot present a client
 * certificate (kubernetes#60952), serving only {@code GET /livez} and {@code GET /readyz} as bare
 * status codes, one request per connection.
 *
 * <pre>
 * probes:
 *   port: 8445                      # absent or 0: no probe port
 *   bind_host: 0.0.0.0              # default: every interface, as kubelet probes the pod's address
 *   max_connections: 64             # open at once; past it a new connection is closed at once
 *   max_connections_per_address: 8  # open at once from one address; past it likewise
 *   header_timeout: 3s              # a connection without a complete request by then is closed
 *   check_interval: 1s              # the readiness checks run at most once per interval
 *   drain_delay: 0s                 # on stop: /readyz 503 and connections closed after each answer, this long
 *   saturation_grace: 10s           # a full application port turns /readyz 503 once it has lasted this long
 *                                   # before the connectors stop accepting
 * </pre>
 *
 * <p>{@code /readyz} judges this replica alone: the TLS material it serves with and the
 * {@code connections} saturation check. A dependency every replica shares, the database above all,
 * stays in the admin port's {@code /healthcheck} and out of readiness: its outage would take every
 * replica out of the Service at once, and callers would get refused connections instead of an
 * answer, while no other replica could serve them any better.
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

    @Min(1)
    @Max(1024)
    @JsonProperty("max_connections_per_address")
    private int maxConnectionsPerAddress = 8;

    @NotNull
    @MinDuration(value = 1, unit = TimeUnit.SECONDS)
    @MaxDuration(value = 1, unit = TimeUnit.MINUTES)
    @JsonProperty("header_timeout")
    private Duration headerTimeout = Duration.seconds(3);

    @NotNull
    @MinDuration(value = 100, unit = TimeUnit.MILLISECONDS)
    @MaxDuration(value = 1, unit = TimeUnit.MINUTES)
    @JsonProperty("check_interval")
    private Duration checkInterval = Duration.seconds(1);

    @NotNull
    @MaxDuration(value = 2, unit = TimeUnit.MINUTES)
    @JsonProperty("drain_delay")
    private Duration drainDelay = Duration.seconds(0);

    @NotNull
    @MaxDuration(value = 10, unit = TimeUnit.MINUTES)
    @JsonProperty("saturation_grace")
    private Duration saturationGrace = Duration.seconds(10);

    public int getPort() {
        return port;
    }

    /** The address to listen on; {@code null} for every interface. */
    public String getBindHost() {
        return bindHost;
    }

    /**
     * How many connections may be open at once. Past it a new connection is closed at once (not
     * left waiting in the backlog), so a prober is refused rather than made to wait while others
     * hold the port. Kubelet opens one connection per probe and closes it after the answer.
     */
    public int getMaxConnections() {
        return maxConnections;
    }

    /**
     * How many of them one remote address may hold. Kubelet probes from the node's address, so an
     * attacker at another address cannot shut its probes out; past the share a new connection from
     * that address is closed at once.
     */
    public int getMaxConnectionsPerAddress() {
        return maxConnectionsPerAddress;
    }

    /**
     * How long a connection has, from opening, to deliver a complete request header, however its
     * bytes trickle in (every byte would restart the idle timeout); then it is closed.
     */
    public Duration getHeaderTimeout() {
        return headerTimeout;
    }

    /**
     * The readiness checks ({@code tls}, {@code connections}) run at most once per interval: probes
     * within it share the last verdict, and probes during a run wait for that run.
     */
    public Duration getCheckInterval() {
        return checkInterval;
    }

    /**
     * How long a stopping service keeps serving after it has begun answering {@code /readyz} with
     * 503 and closing every connection after its answer, before its connectors stop accepting and
     * the requests in flight are given {@code server.shutdownGracePeriod} to finish. Long enough for
     * whoever routes by readiness to stop sending new calls here, and for callers' pooled
     * connections to be closed by an answer rather than under a request. 0 (the default): the
     * connectors stop at once.
     */
    public Duration getDrainDelay() {
        return drainDelay;
    }

    /**
     * How long an application port must stay saturated (every connection taken, or its threads
     * nearly all busy) before the {@code connections} check, and so {@code /readyz}, fails. A spike
     * shorter than this, which fills every replica alike, takes none of them out of service.
     */
    public Duration getSaturationGrace() {
        return saturationGrace;
    }

    /** Whether a probe port is wanted. */
    public boolean isEnabled() {
        return port > 0;
    }
}
