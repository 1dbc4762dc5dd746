package com.tiktokmall.payment.client;

import jakarta.ws.rs.ProcessingException;
import jakarta.ws.rs.client.Entity;
import jakarta.ws.rs.client.WebTarget;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Map;
import java.util.Optional;

/** Reads orders and marks them paid at order, over mutual TLS with payment's own certificate. */
public class OrderClient {
    private static final Logger LOG = LoggerFactory.getLogger(OrderClient.class);

    private final WebTarget orders;

    /** @param order order's root, e.g. {@code MtlsBundle.client(environment, "order", config.getOrder())} */
    public OrderClient(WebTarget order) {
        this.orders = order.path("/v1/orders");
    }

    /**
     * The order, or empty when order does not know it.
     *
     * @throws OrderUnavailableException when order cannot be asked
     */
    public Optional<OrderView> find(String orderId) {
        WebTarget target = orders.path(orderId);
        try (Response response = target.request(MediaType.APPLICATION_JSON).get()) {
            if (response.getStatus() == 404) {
                return Optional.empty();
            }
            expect(response, 200, target);
            return Optional.of(response.readEntity(OrderView.class));
        } catch (ProcessingException e) {
            throw unreachable(target, e);
        }
    }

    /**
     * Marks the order paid by the charge {@code transactionId}: order answers 200 also when this
     * charge paid it before (an earlier answer was lost), 409 when another charge did.
     *
     * @return whether order marked it paid for this charge; false when it refuses for good: 409, paid
     *         by another charge
     * @throws OrderUnavailableException when order cannot be asked or answers anything else (a 404
     *         too: orders are never deleted and payment has just read this one, so a 404 is a
     *         misrouted call, worth another try rather than a refund)
     */
    public boolean markPaid(String orderId, String transactionId) {
        WebTarget target = orders.path(orderId).path("paid");
        try (Response response = target.request(MediaType.APPLICATION_JSON)
                .post(Entity.json(Map.of("transaction_id", transactionId)))) {
            if (response.getStatus() == 409) {
                return false;
            }
            expect(response, 200, target);
            return true;
        } catch (ProcessingException e) {
            throw unreachable(target, e);
        }
    }

    private static void expect(Response response, int status, WebTarget target) {
        if (response.getStatus() != status) {
            LOG.error("order answered HTTP {} at {}", response.getStatus(), target.getUri());
            throw new OrderUnavailableException("order answered HTTP " + response.getStatus());
        }
    }

    private static OrderUnavailableException unreachable(WebTarget target, ProcessingException e) {
        // The mTLS client has already put a refused handshake in words; anything else says itself.
        String reason = e.getCause() == null ? e.getMessage() : e.getCause().getMessage();
        LOG.warn("order cannot be reached at {}: {}", target.getUri(), reason);
        return new OrderUnavailableException(reason);
    }
}
