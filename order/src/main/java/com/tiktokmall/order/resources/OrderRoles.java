package com.tiktokmall.order.resources;

import java.util.Set;

/** What a caller may do at order; config/order.yml grants these to caller identities. */
public final class OrderRoles {
    public static final String PLACE_ORDERS = "place-orders";
    public static final String LIST_ORDERS = "list-orders";
    /** Reading any one order by its id: payment, to check a charge against it. */
    public static final String READ_ORDERS = "read-orders";
    public static final String MARK_ORDERS_PAID = "mark-orders-paid";
    public static final Set<String> ALL = Set.of(PLACE_ORDERS, LIST_ORDERS, READ_ORDERS, MARK_ORDERS_PAID);

    private OrderRoles() {
    }
}
