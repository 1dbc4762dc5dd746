package com.tiktokmall.auth.api;

import com.fasterxml.jackson.annotation.JsonProperty;
import jakarta.validation.constraints.NotBlank;

/** {@code POST /v1/tokens/verify} and {@code /revoke}: the token in question. */
public record TokenRequest(@JsonProperty("token") @NotBlank String token) {
}
