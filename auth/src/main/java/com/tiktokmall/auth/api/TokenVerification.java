package com.tiktokmall.auth.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;

import java.time.Instant;

/**
 * The answer to {@code POST /v1/tokens/verify} (TikTokMall's VerifyResp): either valid with the
 * user it was issued for, or not valid with a reason in plain words (one of a fixed set, see
 * {@code TokenService}), meant for logs, not for end users.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record TokenVerification(
        @JsonProperty("valid") boolean valid,
        @JsonProperty("user_id") Long userId,
        @JsonProperty("expires_at") Instant expiresAt,
        @JsonProperty("reason") String reason) {

    public static TokenVerification valid(long userId, Instant expiresAt) {
        return new TokenVerification(true, userId, expiresAt, null);
    }

    public static TokenVerification invalid(String reason) {
        return new TokenVerification(false, null, null, reason);
    }
}
