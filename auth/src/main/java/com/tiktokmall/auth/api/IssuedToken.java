package com.tiktokmall.auth.api;

import com.fasterxml.jackson.annotation.JsonProperty;

import java.time.Instant;

/** A signed token and the moment it stops being valid. */
public record IssuedToken(@JsonProperty("token") String token, @JsonProperty("expires_at") Instant expiresAt) {
}
