package com.tiktokmall.mtls.dropwizard.config;

import com.fasterxml.jackson.annotation.JsonProperty;
import io.dropwizard.util.DataSize;
import io.dropwizard.util.DataSizeUnit;
import io.dropwizard.validation.MaxDataSize;
import io.dropwizard.validation.MinDataSize;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotNull;

/**
 * The {@code limits:} block: how much a caller may send. Everything from outside is bounded, so
 * that one caller cannot exhaust memory, threads or file descriptors:
 *
 * <pre>
 * limits:
 *   max_request_body: 64KiB        # larger bodies get 413 before a byte is parsed
 *   max_connections: 1000          # open connections per connector; past it new ones wait
 *   max_json_depth: 32             # nesting of objects and arrays
 *   max_json_string_length: 16384  # characters of one JSON string
 *   max_json_number_length: 64     # digits of one JSON number
 * </pre>
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
