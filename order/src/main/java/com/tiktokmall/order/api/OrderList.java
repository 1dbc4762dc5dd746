package com.tiktokmall.order.api;

import com.fasterxml.jackson.annotation.JsonProperty;

import java.util.List;

/** {@code GET /v1/orders}: the caller's orders, oldest first (order.proto's ListOrderResp). */
public record OrderList(@JsonProperty("orders") List<Order> orders) {
}
