package com.tiktokmall.order.core;

/** The life of an order: placed, then paid. */
public enum OrderStatus {
    PENDING,
    PAID
}
