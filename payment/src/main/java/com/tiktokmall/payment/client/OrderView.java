package com.tiktokmall.payment.client;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonProperty;

import java.math.BigDecimal;
import java.util.List;

/** An order as order returns it; only what a charge is checked against. */
@JsonIgnoreProperties(ignoreUnknown = true)
public record OrderView(
        @JsonProperty("order_id") String orderId,
        @JsonProperty("user_id") long userId,
        @JsonProperty("status") String status,
        @JsonProperty("currency") String currency,
        @JsonProperty("items") List<Item> items) {

    /** What the user owes: the sum of the items' costs (TikTokMall's checkout sets a cost to price times quantity). */
    public BigDecimal total() {
        return items.stream().map(Item::cost).reduce(BigDecimal.ZERO, BigDecimal::add);
    }

    public boolean isPending() {
        return "PENDING".equals(status);
    }

    /** One line of the order. */
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record Item(@JsonProperty("cost") BigDecimal cost) {
    }
}
