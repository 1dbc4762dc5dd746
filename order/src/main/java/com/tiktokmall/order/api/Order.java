package com.tiktokmall.order.api;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.tiktokmall.order.core.OrderStatus;

import java.time.Instant;
import java.util.List;

/** An order as stored and returned (order.proto's Order, with its status). */
public record Order(
        @JsonProperty("order_id") String orderId,
        @JsonProperty("user_id") long userId,
        @JsonProperty("status") OrderStatus status,
        @JsonProperty("currency") String currency,
        @JsonProperty("email") String email,
        @JsonProperty("address") Address address,
        @JsonProperty("items") List<OrderItem> items,
        @JsonProperty("created_at") Instant createdAt) {

    public Order withItems(List<OrderItem> items) {
        return new Order(orderId, userId, status, currency, email, address, List.copyOf(items), createdAt);
    }
}
