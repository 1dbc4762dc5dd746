package com.tiktokmall.payment.core;

import com.tiktokmall.payment.api.Charge;
import com.tiktokmall.payment.api.ChargeRequest;
import com.tiktokmall.payment.client.OrderClient;
import com.tiktokmall.payment.client.OrderUnavailableException;
import com.tiktokmall.payment.client.OrderView;
import com.tiktokmall.payment.db.ChargeDao;
import jakarta.ws.rs.ClientErrorException;
import jakarta.ws.rs.NotFoundException;
import jakarta.ws.rs.core.Response;
import org.jdbi.v3.core.statement.UnableToExecuteStatementException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.sql.SQLException;
import java.time.Clock;
import java.time.temporal.ChronoUnit;
import java.util.Optional;
import java.util.UUID;

/**
 * Charges orders (payment.proto's Charge): at most one charge per idempotency key of a user and
 * per order, recorded before order is told, so that a failure in between leaves a charge in
 * {@link ChargeStatus#CHARGED} that is completed later, never lost and never made twice. order
 * records which charge paid an order, so a second charge of it (another replica with a database
 * of its own) ends {@link ChargeStatus#REFUSED_BY_ORDER}, never COMPLETED.
 */
public class ChargeService {
    private static final Logger LOG = LoggerFactory.getLogger(ChargeService.class);
    private static final String UNIQUE_VIOLATION = "23505"; // SQLSTATE of H2 and PostgreSQL alike

    private final ChargeDao charges;
    private final OrderClient orders;
    private final CardExpiry expiry;
    private final Clock clock;

    public ChargeService(ChargeDao charges, OrderClient orders, Clock clock) {
        this.charges = charges;
        this.orders = orders;
        this.expiry = new CardExpiry(clock);
        this.clock = clock;
    }

    /** A charge and whether it was made by an earlier request with the same key. */
    public record Outcome(Charge charge, boolean replayed) {
    }

    /**
     * Charges the order of {@code request} for {@code userId}; with a key already used, returns
     * that charge (completing it if order was not yet told) instead of charging again.
     *
     * @throws jakarta.ws.rs.WebApplicationException 422 naming the field (expired card, amount not
     *         the order's total, key used for another charge), 404 (not the user's order), 409
     *         (order already paid)
     * @throws OrderUnavailableException when order cannot be asked; nothing is charged then
     */
    public Outcome charge(long userId, String idempotencyKey, ChargeRequest request) {
        Optional<Charge> earlier = charges.findByKey(userId, idempotencyKey);
        if (earlier.isPresent()) {
            return replay(earlier.get(), request);
        }
        expiry.check(request.creditCard());
        OrderView order = orders.find(request.orderId()).filter(o -> o.userId() == userId)
                .orElseThrow(() -> new NotFoundException("no order of yours has this id"));
        if (!order.isPending()) { // a request with this key may have paid it since the lookup above
            return charges.findByKey(userId, idempotencyKey).map(charge -> replay(charge, request))
                    .orElseThrow(() -> alreadyPaid(order.orderId()));
        }
        if (request.amount().compareTo(order.total()) != 0) {
            throw Unprocessable.because("amount", "must be " + order.total() + ", the order's total");
        }
        Charge charge = new Charge(UUID.randomUUID().toString(), userId, idempotencyKey, order.orderId(),
                request.amount().setScale(2), order.currency(), request.creditCard().lastFour(), ChargeStatus.CHARGED,
                clock.instant().truncatedTo(ChronoUnit.MILLIS));
        try {
            charges.insert(charge);
        } catch (UnableToExecuteStatementException e) {
            if (!isUniqueViolation(e)) {
                throw e;
            }
            // Another request got there first: the same key (answer as it), or this order under another key.
            return replay(charges.findByKey(userId, idempotencyKey).orElseThrow(() -> alreadyPaid(order.orderId())),
                    request);
        }
        LOG.info("charge {} of order {}: {} {} on the card ending {}", charge.transactionId(), charge.orderId(),
                charge.amount(), charge.currency(), charge.cardLastFour());
        return new Outcome(complete(charge), false);
    }

    /**
     * Tells order about charges it has not confirmed yet, the longest unattempted first; what still fails stays
     * {@link ChargeStatus#CHARGED} for the next round. Run on a schedule: it never throws.
     */
    public void retryAwaiting(int atMost) {
        try {
            charges.awaitingOrder(atMost).forEach(this::complete);
        } catch (RuntimeException e) { // the database is away: the next round tries again
            LOG.warn("charges awaiting order not retried this round: {}", e.toString());
        }
    }

    /** How many charges are in {@code status} (the gauges {@code charges.awaiting_order}, {@code charges.refused_by_order}). */
    public long count(ChargeStatus status) {
        return charges.count(status);
    }

    private Outcome replay(Charge earlier, ChargeRequest request) {
        if (!earlier.isFor(request)) {
            throw Unprocessable.because("Idempotency-Key", "was used for another charge: use a new key for a new charge");
        }
        return new Outcome(complete(earlier), true);
    }

    /**
     * Has order mark the order paid by this charge: then COMPLETED; refused for good (paid by another
     * charge): REFUSED_BY_ORDER; order away or answering otherwise: still CHARGED, for the next attempt.
     */
    private Charge complete(Charge charge) {
        if (charge.status() != ChargeStatus.CHARGED) {
            return charge;
        }
        ChargeStatus settled;
        try {
            settled = orders.markPaid(charge.orderId(), charge.transactionId())
                    ? ChargeStatus.COMPLETED : ChargeStatus.REFUSED_BY_ORDER;
        } catch (OrderUnavailableException e) {
            LOG.warn("charge {}: order {} not yet marked paid ({}); it will be retried", charge.transactionId(),
                    charge.orderId(), e.getMessage());
            charges.attempted(charge.transactionId(), clock.instant());
            return charge;
        }
        if (settled == ChargeStatus.REFUSED_BY_ORDER) {
            LOG.error("charge {}: order {} is paid by another charge: refund this one", charge.transactionId(),
                    charge.orderId());
        }
        charges.settle(charge.transactionId(), settled, clock.instant());
        return charge.withStatus(settled);
    }

    private static ClientErrorException alreadyPaid(String orderId) {
        return new ClientErrorException("order " + orderId + " is already paid", Response.Status.CONFLICT);
    }

    private static boolean isUniqueViolation(UnableToExecuteStatementException e) {
        return e.getCause() instanceof SQLException sql && UNIQUE_VIOLATION.equals(sql.getSQLState());
    }
}
