package com.tiktokmall.mtls.dropwizard.config;

import com.fasterxml.jackson.annotation.JsonProperty;
import io.dropwizard.util.DataSize;
import io.dropwizard.util.Duration;
import io.dropwizard.util.DataSizeUnit;
import io.dropwizard.validation.MaxDataSize;
import io.dropwizard.validation.MaxDuration;
import io.dropwizard.validation.MinDuration;
import io.dropwizard.validation.MinDataSize;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotNull;

import java.util.concurrent.TimeUnit;

/**
 * The {@code limits:} block: how much a caller may send. Everything from outside is bounded, so
 * that one caller cannot exhaust memory, threads or file descriptors:
 *
 * <pre>
 * limits:
 *   max_request_body: 64KiB        # larger bodies get 413 before a byte is parsed
 *   max_connections: 1000          # open connections per connector; past it new ones wait
 *   max_connections_per_peer: 250  # of them held by one SPIFFE ID; past it a new one is closed
 *   max_handshakes_per_address: 256 # TLS handshakes in progress from one IP address; past it closed
 *   request_read_timeout: 10s      # a request's headers and body arrive within this of its first byte
 *   max_json_depth: 32             # nesting of objects and arrays
 *   max_json_string_length: 16384  # characters of one JSON string
 *   max_json_number_length: 64     # digits of one JSON number
 * </pre>
 *
 * <p>The per-peer and per-address shares keep one peer from taking a connector over: known peers
 * are served while another floods it (docs/security.md).
 */
public class LimitsConfiguration {
    @NotNull
    @MinDataSize(1)
    @MaxDataSize(value = 64, unit = DataSizeUnit.MEBIBYTES)
    @JsonProperty("max_request_body")
    private DataSize maxRequestBody = DataSize.kibibytes(64);

    @Min(1)
    @JsonProperty("max_connections")
    private int maxConnections = 1000;

    @Min(1)
    @JsonProperty("max_connections_per_peer")
    private int maxConnectionsPerPeer = 250;

    @Min(1)
    @JsonProperty("max_handshakes_per_address")
    private int maxHandshakesPerAddress = 256;

    @NotNull
    @MinDuration(value = 100, unit = TimeUnit.MILLISECONDS)
    @MaxDuration(value = 10, unit = TimeUnit.MINUTES)
    @JsonProperty("request_read_timeout")
    private Duration requestReadTimeout = Duration.seconds(10);

    @Min(1)
    @Max(1000)
    @JsonProperty("max_json_depth")
    private int maxJsonDepth = 32;

    @Min(1)
    @JsonProperty("max_json_string_length")
    private int maxJsonStringLength = 16 * 1024;

    @Min(1)
    @Max(1000)
    @JsonProperty("max_json_number_length")
    private int maxJsonNumberLength = 64;

    /** The largest request body accepted, in bytes. */
    public long getMaxRequestBody() {
        return maxRequestBody.toBytes();
    }

    /** Sets the default of a service whose requests are smaller, before the YAML is read. */
    public void setMaxRequestBody(DataSize maxRequestBody) {
        this.maxRequestBody = maxRequestBody;
    }

    /** How many connections each connector keeps open at most. */
    public int getMaxConnections() {
        return maxConnections;
    }

    /** How many connections of one connector one peer (SPIFFE ID) may hold; the next is closed after its handshake. */
    public int getMaxConnectionsPerPeer() {
        return maxConnectionsPerPeer;
    }

    /** How many TLS handshakes may be in progress from one IP address on one connector; the next connection is closed. */
    public int getMaxHandshakesPerAddress() {
        return maxHandshakesPerAddress;
    }

    /**
     * How long a request may take to arrive, headers and body, from its first byte until the
     * service has read it: a peer trickling bytes holds a connection (and, in a body, a thread) no
     * longer than this. The idle timeout cannot do it: every byte restarts it.
     */
    public java.time.Duration getRequestReadTimeout() {
        return requestReadTimeout.toJavaDuration();
    }

    public int getMaxJsonDepth() {
        return maxJsonDepth;
    }

    public int getMaxJsonStringLength() {
        return maxJsonStringLength;
    }

    public int getMaxJsonNumberLength() {
        return maxJsonNumberLength;
    }
}
