package com.tiktokmall.order.api;

import com.fasterxml.jackson.annotation.JsonProperty;
import jakarta.validation.constraints.DecimalMin;
import jakarta.validation.constraints.Digits;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Positive;

import java.math.BigDecimal;

/** One line of an order (order.proto's OrderItem): a product, how many, and the price paid. */
public record OrderItem(
        @JsonProperty("product_id") @NotNull @Positive Long productId,
        @JsonProperty("quantity") @NotNull @Min(1) Integer quantity,
        @JsonProperty("cost") @NotNull @DecimalMin("0") @Digits(integer = 12, fraction = 2) BigDecimal cost) {
}
