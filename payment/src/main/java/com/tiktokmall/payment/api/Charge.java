package com.tiktokmall.payment.api;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.tiktokmall.payment.core.ChargeStatus;

import java.math.BigDecimal;
import java.time.Instant;

/**
 * A charge as stored and returned (payment.proto's ChargeResp, with what was charged): the card
 * appears as its last four digits only.
 */
public record Charge(
        @JsonProperty("transaction_id") String transactionId,
        @JsonIgnore long userId,
        @JsonIgnore String idempotencyKey,
        @JsonProperty("order_id") String orderId,
        @JsonProperty("amount") BigDecimal amount,
        @JsonProperty("currency") String currency,
        @JsonProperty("card_last_four") String cardLastFour,
        @JsonProperty("status") ChargeStatus status,
        @JsonProperty("created_at") Instant createdAt) {

    public Charge withStatus(ChargeStatus newStatus) {
        return new Charge(transactionId, userId, idempotencyKey, orderId, amount, currency, cardLastFour, newStatus,
                createdAt);
    }

    /** Whether {@code request} is the one this charge was made for: a key is for one charge only. */
    public boolean isFor(ChargeRequest request) {
        return orderId.equals(request.orderId()) && amount.compareTo(request.amount()) == 0
                && cardLastFour.equals(request.creditCard().lastFour());
    }
}
