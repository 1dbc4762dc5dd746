package com.tiktokmall.order.api;

import com.fasterxml.jackson.annotation.JsonProperty;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.Size;

/** Where an order goes (order.proto's Address). */
public record Address(
        @JsonProperty("street_address") @NotBlank @Size(max = 255) String streetAddress,
        @JsonProperty("city") @NotBlank @Size(max = 100) String city,
        @JsonProperty("state") @NotBlank @Size(max = 100) String state,
        @JsonProperty("country") @NotBlank @Size(max = 100) String country,
        @JsonProperty("zip_code") @NotBlank @Size(max = 32) String zipCode) {
}
