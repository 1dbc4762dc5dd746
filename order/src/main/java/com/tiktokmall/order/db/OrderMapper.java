package com.tiktokmall.order.db;

import com.tiktokmall.order.api.Address;
import com.tiktokmall.order.api.Order;
import com.tiktokmall.order.core.OrderStatus;
import org.jdbi.v3.core.mapper.RowMapper;
import org.jdbi.v3.core.statement.StatementContext;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.List;

/** One row of {@code orders}, without its items. */
public class OrderMapper implements RowMapper<Order> {
    @Override
    public Order map(ResultSet rs, StatementContext ctx) throws SQLException {
        Address address = new Address(rs.getString("street_address"), rs.getString("city"), rs.getString("state"),
                rs.getString("country"), rs.getString("zip_code"));
        return new Order(rs.getString("order_id"), rs.getLong("user_id"), OrderStatus.valueOf(rs.getString("status")),
                rs.getString("currency"), rs.getString("email"), address, List.of(),
                rs.getTimestamp("created_at").toInstant());
    }
}
