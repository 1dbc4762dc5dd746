package com.tiktokmall.payment.db;

import com.tiktokmall.payment.api.Charge;
import com.tiktokmall.payment.core.ChargeStatus;
import org.jdbi.v3.core.mapper.RowMapper;
import org.jdbi.v3.core.statement.StatementContext;

import java.sql.ResultSet;
import java.sql.SQLException;

/** One row of {@code charges}. */
public class ChargeMapper implements RowMapper<Charge> {
    @Override
    public Charge map(ResultSet rs, StatementContext ctx) throws SQLException {
        return new Charge(rs.getString("transaction_id"), rs.getLong("user_id"), rs.getString("idempotency_key"),
                rs.getString("order_id"), rs.getBigDecimal("amount"), rs.getString("currency"),
                rs.getString("card_last_four"), ChargeStatus.valueOf(rs.getString("status")),
                rs.getTimestamp("created_at").toInstant());
    }
}
