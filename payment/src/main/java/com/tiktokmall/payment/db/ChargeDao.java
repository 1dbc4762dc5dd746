package com.tiktokmall.payment.db;

import com.tiktokmall.payment.api.Charge;
import com.tiktokmall.payment.core.ChargeStatus;
import org.jdbi.v3.sqlobject.config.RegisterRowMapper;
import org.jdbi.v3.sqlobject.customizer.Bind;
import org.jdbi.v3.sqlobject.customizer.BindMethods;
import org.jdbi.v3.sqlobject.statement.SqlQuery;
import org.jdbi.v3.sqlobject.statement.SqlUpdate;

import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * Charges, one row each: a user's idempotency key names at most one, and an order is charged at
 * most once (both unique in the table, so two replicas cannot charge twice either).
 */
@RegisterRowMapper(ChargeMapper.class)
public interface ChargeDao {
    String COLUMNS = "transaction_id, user_id, idempotency_key, order_id, amount, currency, card_last_four, status,"
            + " created_at";

    /** A new charge; {@code attempted_at} starts at its creation. */
    @SqlUpdate("INSERT INTO charges (" + COLUMNS + ", attempted_at) VALUES (:c.transactionId, :c.userId,"
            + " :c.idempotencyKey, :c.orderId, :c.amount, :c.currency, :c.cardLastFour, :c.status, :c.createdAt,"
            + " :c.createdAt)")
    void insert(@BindMethods("c") Charge charge);

    @SqlQuery("SELECT " + COLUMNS + " FROM charges WHERE user_id = :userId AND idempotency_key = :key")
    Optional<Charge> findByKey(@Bind("userId") long userId, @Bind("key") String key);

    @SqlQuery("SELECT " + COLUMNS + " FROM charges WHERE order_id = :orderId")
    Optional<Charge> findByOrder(@Bind("orderId") String orderId);

    /** Those order has not confirmed, the longest unattempted first: one that fails for good does not hold up the rest. */
    @SqlQuery("SELECT " + COLUMNS + " FROM charges WHERE status = 'CHARGED' ORDER BY attempted_at LIMIT :limit")
    List<Charge> awaitingOrder(@Bind("limit") int limit);

    @SqlQuery("SELECT COUNT(*) FROM charges WHERE status = :status")
    long count(@Bind("status") ChargeStatus status);

    @SqlUpdate("UPDATE charges SET attempted_at = :now WHERE transaction_id = :id")
    void attempted(@Bind("id") String transactionId, @Bind("now") Instant now);

    /** CHARGED becomes {@code status}; a charge that has left CHARGED stays as it is. */
    @SqlUpdate("UPDATE charges SET status = :status, completed_at = :now WHERE transaction_id = :id"
            + " AND status = 'CHARGED'")
    int settle(@Bind("id") String transactionId, @Bind("status") ChargeStatus status, @Bind("now") Instant now);
}
