package com.tiktokmall.order.core;

import com.tiktokmall.order.api.Order;
import com.tiktokmall.order.api.PlaceOrderRequest;
import com.tiktokmall.order.db.OrderDao;
import jakarta.ws.rs.ClientErrorException;
import jakarta.ws.rs.NotFoundException;
import jakarta.ws.rs.core.Response;

import java.time.Clock;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.regex.Pattern;

/** Places, lists and settles orders (order.proto's PlaceOrder, ListOrder, MarkOrderPaid). */
public class OrderService {
    private static final Pattern ORDER_ID = Pattern.compile("[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}");

    private final OrderDao orders;
    private final Clock clock;

    public OrderService(OrderDao orders, Clock clock) {
        this.orders = orders;
        this.clock = clock;
    }

    public Order place(long userId, PlaceOrderRequest request) {
        Order order = new Order(UUID.randomUUID().toString(), userId, OrderStatus.PENDING, request.currency(),
                request.email(), request.address(), List.copyOf(request.items()),
                clock.instant().truncatedTo(ChronoUnit.MILLIS));
        orders.insert(order);
        return order;
    }

    public List<Order> listFor(long userId) {
        return orders.listForUser(userId);
    }

    /** @throws NotFoundException for an unknown order */
    public Order find(String orderId) {
        return (ORDER_ID.matcher(orderId).matches() ? orders.find(orderId) : Optional.<Order>empty())
                .orElseThrow(() -> new NotFoundException("no order has this id")); // the id is not echoed: the caller's text
    }

    /**
     * Marks the order paid by the charge {@code paidBy} (payment's transaction id, or null); the
     * same charge asking again gets the order back, as its first answer may have been lost.
     *
     * @throws NotFoundException for an unknown order
     * @throws ClientErrorException 409 for an order that is not pending, unless this charge paid it
     */
    public Order markPaid(String orderId, String paidBy) {
        if (!ORDER_ID.matcher(orderId).matches()) { // not one of ours; and not echoed, it is the caller's text
            throw new NotFoundException("no order has this id");
        }
        if (orders.markPaid(orderId, paidBy, clock.instant()) == 0) {
            Order existing = orders.find(orderId)
                    .orElseThrow(() -> new NotFoundException("order " + orderId + " does not exist"));
            if (paidBy == null || !orders.paidBy(orderId).filter(paidBy::equals).isPresent()) {
                throw new ClientErrorException("order " + orderId + " is " + existing.status() + ", not PENDING",
                        Response.Status.CONFLICT);
            }
        }
        return orders.find(orderId).orElseThrow();
    }
}
