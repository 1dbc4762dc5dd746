package com.tiktokmall.payment.core;

import com.tiktokmall.payment.Shop;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;

import java.util.Map;

/**
 * A lock on one order's row in order's H2 database, held until closed: order's {@code UPDATE} of
 * that order (marking it paid) waits meanwhile, for at most {@link #TIMEOUT_MS}, which order's
 * database URL must carry ({@link #orderSettings}).
 */
final class OrderRowLock implements AutoCloseable {
    static final int TIMEOUT_MS = 5000;
    private static final String LOCK_TIMEOUT = ";LOCK_TIMEOUT=" + TIMEOUT_MS;

    private final Handle handle;

    private OrderRowLock(Handle handle) {
        this.handle = handle;
    }

    /** For {@link Shop#withOrderSettings}: order waits on a lock instead of failing at once. */
    static void orderSettings(Map<String, String> settings) {
        settings.put("database.url", settings.get("database.url") + LOCK_TIMEOUT);
    }

    static OrderRowLock hold(Shop shop, String orderId) {
        Handle handle = Jdbi.create("jdbc:h2:" + shop.data().resolve("order").toAbsolutePath()
                + ";DB_CLOSE_ON_EXIT=FALSE" + LOCK_TIMEOUT, "sa", "").open();
        handle.begin();
        handle.createQuery("SELECT status FROM orders WHERE order_id = :id FOR UPDATE").bind("id", orderId)
                .mapTo(String.class).one();
        return new OrderRowLock(handle);
    }

    @Override
    public void close() {
        handle.rollback();
        handle.close();
    }
}
