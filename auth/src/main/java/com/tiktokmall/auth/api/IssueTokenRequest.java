package com.tiktokmall.auth.api;

import com.fasterxml.jackson.annotation.JsonProperty;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Positive;

/** {@code POST /v1/tokens}: the user to issue a token for (TikTokMall's DeliverTokenReq). */
public record IssueTokenRequest(@JsonProperty("user_id") @NotNull @Positive Long userId) {
}
