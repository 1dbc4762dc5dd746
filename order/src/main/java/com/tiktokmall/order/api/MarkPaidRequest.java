package com.tiktokmall.order.api;

import com.fasterxml.jackson.annotation.JsonProperty;
import jakarta.validation.constraints.Pattern;

/**
 * The optional body of {@code POST /v1/orders/{order_id}/paid}: the charge that paid the order.
 * Asking again with the same transaction id gets 200; another charge gets 409.
 */
public record MarkPaidRequest(
        @JsonProperty("transaction_id")
        @Pattern(regexp = "[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", message = "is not a transaction id")
        String transactionId) {
}
