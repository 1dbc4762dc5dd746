package com.tiktokmall.payment.api;

import com.fasterxml.jackson.annotation.JsonProperty;
import jakarta.validation.Valid;
import jakarta.validation.constraints.DecimalMin;
import jakarta.validation.constraints.Digits;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Pattern;

import java.math.BigDecimal;

/** payment.proto's ChargeReq; the user comes from the bearer token, never from the body. */
public record ChargeRequest(
        @JsonProperty("order_id") @NotNull
        @Pattern(regexp = "[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", message = "is not an order id")
        String orderId,
        @JsonProperty("amount") @NotNull @DecimalMin(value = "0.01") @Digits(integer = 12, fraction = 2) BigDecimal amount,
        @JsonProperty("credit_card") @NotNull @Valid CreditCard creditCard) {
}
