package com.tiktokmall.order.api;

import com.fasterxml.jackson.annotation.JsonProperty;
import jakarta.validation.Valid;
import jakarta.validation.constraints.Email;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotEmpty;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Pattern;
import jakarta.validation.constraints.Size;

import java.util.List;

/**
 * {@code POST /v1/orders} (order.proto's PlaceOrderReq). There is deliberately no user id: the
 * user is whoever the bearer token says, as verified by auth.
 */
public record PlaceOrderRequest(
        @JsonProperty("currency") @NotNull @Pattern(regexp = "[A-Z]{3}", message = "must be an ISO 4217 code such as USD")
        String currency,
        @JsonProperty("email") @NotBlank @Email @Size(max = 320) String email,
        @JsonProperty("address") @NotNull @Valid Address address,
        @JsonProperty("items") @NotEmpty @Size(max = 100) List<@NotNull @Valid OrderItem> items) {
}
