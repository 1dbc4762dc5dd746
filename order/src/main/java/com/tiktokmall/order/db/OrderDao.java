package com.tiktokmall.order.db;

import com.tiktokmall.order.api.Address;
import com.tiktokmall.order.api.Order;
import com.tiktokmall.order.api.OrderItem;
import org.jdbi.v3.sqlobject.config.RegisterConstructorMapper;
import org.jdbi.v3.sqlobject.config.RegisterRowMapper;
import org.jdbi.v3.sqlobject.customizer.Bind;
import org.jdbi.v3.sqlobject.customizer.BindMethods;
import org.jdbi.v3.sqlobject.statement.SqlBatch;
import org.jdbi.v3.sqlobject.statement.SqlQuery;
import org.jdbi.v3.sqlobject.statement.SqlUpdate;
import org.jdbi.v3.sqlobject.transaction.Transaction;

import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.stream.IntStream;

/** Orders and their items, in two tables; an order and its items are written in one transaction. */
@RegisterRowMapper(OrderMapper.class)
@RegisterConstructorMapper(OrderItem.class)
public interface OrderDao {
    String COLUMNS = "order_id, user_id, status, currency, email, street_address, city, state, country, zip_code,"
            + " created_at";

    @SqlUpdate("INSERT INTO orders (" + COLUMNS + ") VALUES (:o.orderId, :o.userId, :o.status, :o.currency,"
            + " :o.email, :a.streetAddress, :a.city, :a.state, :a.country, :a.zipCode, :o.createdAt)")
    void insertOrder(@BindMethods("o") Order order, @BindMethods("a") Address address);

    @SqlBatch("INSERT INTO order_items (order_id, line_no, product_id, quantity, cost)"
            + " VALUES (:orderId, :lineNo, :i.productId, :i.quantity, :i.cost)")
    void insertItems(@Bind("orderId") String orderId, @Bind("lineNo") List<Integer> lineNos,
                     @BindMethods("i") List<OrderItem> items);

    @SqlQuery("SELECT " + COLUMNS + " FROM orders WHERE order_id = :orderId")
    Optional<Order> findHeader(@Bind("orderId") String orderId);

    @SqlQuery("SELECT " + COLUMNS + " FROM orders WHERE user_id = :userId ORDER BY created_at, order_id")
    List<Order> listHeaders(@Bind("userId") long userId);

    @SqlQuery("SELECT product_id, quantity, cost FROM order_items WHERE order_id = :orderId ORDER BY line_no")
    List<OrderItem> items(@Bind("orderId") String orderId);

    @SqlUpdate("UPDATE orders SET status = 'PAID', paid_at = :now, paid_by = :paidBy"
            + " WHERE order_id = :orderId AND status = 'PENDING'")
    int markPaid(@Bind("orderId") String orderId, @Bind("paidBy") String paidBy, @Bind("now") Instant now);

    @SqlQuery("SELECT paid_by FROM orders WHERE order_id = :orderId AND paid_by IS NOT NULL")
    Optional<String> paidBy(@Bind("orderId") String orderId);

    @Transaction
    default void insert(Order order) {
        insertOrder(order, order.address());
        insertItems(order.orderId(), IntStream.rangeClosed(1, order.items().size()).boxed().toList(), order.items());
    }

    default Optional<Order> find(String orderId) {
        return findHeader(orderId).map(order -> order.withItems(items(orderId)));
    }

    @Transaction
    default List<Order> listForUser(long userId) {
        return listHeaders(userId).stream().map(order -> order.withItems(items(order.orderId()))).toList();
    }
}
