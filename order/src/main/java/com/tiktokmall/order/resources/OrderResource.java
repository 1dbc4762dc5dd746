package com.tiktokmall.order.resources;

import com.codahale.metrics.annotation.Timed;
import com.tiktokmall.authclient.AuthClient;
import com.tiktokmall.order.api.MarkPaidRequest;
import com.tiktokmall.order.api.Order;
import com.tiktokmall.order.api.OrderList;
import com.tiktokmall.order.api.PlaceOrderRequest;
import com.tiktokmall.order.core.OrderService;
import jakarta.annotation.security.RolesAllowed;
import jakarta.validation.Valid;
import jakarta.validation.constraints.NotNull;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

/** TikTokMall's order.proto over HTTPS: PlaceOrder, ListOrder and MarkOrderPaid, and reading one order for payment. */
@Path("/v1/orders")
@Produces(MediaType.APPLICATION_JSON)
@Consumes(MediaType.APPLICATION_JSON)
public class OrderResource {
    private final OrderService orders;
    private final AuthClient auth;

    public OrderResource(OrderService orders, AuthClient auth) {
        this.orders = orders;
        this.auth = auth;
    }

    @POST
    @Timed
    @RolesAllowed(OrderRoles.PLACE_ORDERS)
    public Response place(@HeaderParam(HttpHeaders.AUTHORIZATION) String authorization,
                          @NotNull @Valid PlaceOrderRequest request) {
        Order order = orders.place(auth.userOf(authorization), request);
        return Response.status(Response.Status.CREATED).entity(order).build();
    }

    @GET
    @Timed
    @RolesAllowed(OrderRoles.LIST_ORDERS)
    public OrderList list(@HeaderParam(HttpHeaders.AUTHORIZATION) String authorization) {
        return new OrderList(orders.listFor(auth.userOf(authorization)));
    }

    @GET
    @Path("/{order_id}")
    @Timed
    @RolesAllowed(OrderRoles.READ_ORDERS)
    public Order read(@PathParam("order_id") String orderId) {
        return orders.find(orderId);
    }

    @POST
    @Path("/{order_id}/paid")
    @Timed
    @RolesAllowed(OrderRoles.MARK_ORDERS_PAID)
    public Order markPaid(@PathParam("order_id") String orderId, @Valid MarkPaidRequest request) {
        return orders.markPaid(orderId, request == null ? null : request.transactionId());
    }
}
