package com.tiktokmall.auth;

import com.fasterxml.jackson.annotation.JsonProperty;
import io.dropwizard.util.Duration;
import io.dropwizard.validation.MaxDuration;
import io.dropwizard.validation.MinDuration;
import jakarta.validation.Valid;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotNull;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** The {@code tokens:} block of config/auth.yml. */
public class TokensConfiguration {
    @NotBlank
    @JsonProperty("signing_key")
    private String signingKey = "certs/token-signing-key.pem";

    @NotNull
    @MinDuration(value = 1, unit = TimeUnit.MINUTES)
    @MaxDuration(value = 30, unit = TimeUnit.DAYS)
    @JsonProperty
    private Duration lifetime = Duration.hours(1);

    @NotBlank
    @JsonProperty
    private String issuer = "tiktokmall-auth";

    @Min(256)
    @Max(65536)
    @JsonProperty("max_length")
    private int maxLength = 4096;

    /** Keys whose tokens still verify (until they expire) but that sign nothing: for key rollover. */
    @NotNull
    @JsonProperty("previous_keys")
    private List<@NotBlank String> previousKeys = List.of();

    /** How fast one caller may mint and revoke tokens. */
    @Valid
    @NotNull
    @JsonProperty("rate_limit")
    private RateLimitConfiguration rateLimit = new RateLimitConfiguration();

    /** How often revocations of tokens that have expired are deleted. */
    @NotNull
    @MinDuration(value = 1, unit = TimeUnit.SECONDS)
    @MaxDuration(value = 1, unit = TimeUnit.DAYS)
    @JsonProperty("purge_interval")
    private Duration purgeInterval = Duration.minutes(10);

    public Path getSigningKey() {
        return Path.of(signingKey);
    }

    public java.time.Duration getLifetime() {
        return lifetime.toJavaDuration();
    }

    public String getIssuer() {
        return issuer;
    }

    /** The longest token looked at, in characters; ours are about 300. A longer one is not ours. */
    public int getMaxLength() {
        return maxLength;
    }

    public List<Path> getPreviousKeys() {
        return previousKeys.stream().map(Path::of).toList();
    }

    public RateLimitConfiguration getRateLimit() {
        return rateLimit;
    }

    public java.time.Duration getPurgeInterval() {
        return purgeInterval.toJavaDuration();
    }

    /**
     * {@code tokens.rate_limit}: a token bucket per caller identity, shared by minting and revoking.
     * A caller may make {@code burst} such requests at once, then {@code per_second} a second.
     */
    public static class RateLimitConfiguration {
        @Min(1)
        @Max(100_000)
        @JsonProperty("per_second")
        private int perSecond = 50;

        @Min(1)
        @Max(100_000)
        @JsonProperty
        private int burst = 100;

        public int getPerSecond() {
            return perSecond;
        }

        public int getBurst() {
            return burst;
        }
    }
}
