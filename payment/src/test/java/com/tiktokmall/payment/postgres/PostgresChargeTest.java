package com.tiktokmall.payment.postgres;

import com.tiktokmall.mtls.testing.MtlsTestClient.Reply;
import com.tiktokmall.mtls.testing.PostgresServer;
import com.tiktokmall.mtls.testing.TestPki;
import com.tiktokmall.payment.PaymentTestApp;
import com.tiktokmall.payment.Shop;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * payment on a real PostgreSQL 15, logging in as the role {@code payment} with the certificate of
 * its tls block (no password): its migrations, a charge and its replay, and what the server saw.
 */
class PostgresChargeTest {
    private static final TestPki PKI = TestPki.create();

    @RegisterExtension
    @Order(1)
    static final PostgresServer POSTGRES = PostgresServer.trusting(PKI);

    @RegisterExtension
    @Order(2)
    static final Shop SHOP = Shop.of(PKI).withPaymentSettings(settings -> settings.putAll(POSTGRES.databaseSettings("payment")));

    @Test
    void aChargeAndItsReplayAreOneRowInPaymentsOwnDatabase() throws SQLException {
        String token = SHOP.token(71);
        String orderId = SHOP.placeOrder(token);
        String key = UUID.randomUUID().toString();

        Reply charged = SHOP.charge(token, key, PaymentTestApp.aCharge(orderId, "19.99"));
        Reply again = SHOP.charge(token, key, PaymentTestApp.aCharge(orderId, "19.99"));

        assertThat(charged.status()).as(charged.toString()).isEqualTo(201);
        assertThat(again.text("transaction_id")).isEqualTo(charged.text("transaction_id"));
        assertThat(SHOP.orderStatus(token, orderId)).isEqualTo("PAID");
        try (Connection observer = POSTGRES.connect("payment", "payment", PKI.ca().leaf("payment").issue())) {
            assertThat(rows(observer, "SELECT status || ' ' || card_last_four FROM charges WHERE order_id = ?", orderId))
                    .containsExactly("COMPLETED 4242");
            assertThat(rows(observer, "SELECT filename FROM databasechangelog", null))
                    .containsExactly("migrations/payment.xml");
            assertThat(rows(observer, "SELECT DISTINCT s.version || ' ' || s.client_dn FROM pg_stat_ssl s"
                    + " JOIN pg_stat_activity a USING (pid) WHERE a.usename = 'payment' AND s.pid <> pg_backend_pid()",
                    null)).containsExactly("TLSv1.3 /CN=payment");
        }
        assertThat(POSTGRES.log()).contains("payment@payment LOG:  connection authenticated: identity=\"CN=payment\""
                + " method=cert");
    }

    private static List<String> rows(Connection connection, String sql, String parameter) throws SQLException {
        try (PreparedStatement statement = connection.prepareStatement(sql)) {
            if (parameter != null) {
                statement.setString(1, parameter);
            }
            List<String> rows = new ArrayList<>();
            try (ResultSet result = statement.executeQuery()) {
                while (result.next()) {
                    rows.add(result.getString(1));
                }
            }
            return rows;
        }
    }
}
