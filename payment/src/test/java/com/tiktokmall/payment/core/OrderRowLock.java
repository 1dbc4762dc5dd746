package com.tiktokmall.payment.core;

import com.tiktokmall.payment.Shop;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;

import java.util.Map;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * A lock on one order's row in order's H2 database, held until closed: order's {@code UPDATE} of
 * that order (marking it paid) waits meanwhile, for at most the lock timeout order's database URL
 * carries ({@link #orderWaits}); then it fails and order answers 500, the order still pending.
 */
final class OrderRowLock implements AutoCloseable {
    private final Handle handle;

    private OrderRowLock(Handle handle) {
        this.handle = handle;
    }

    /** For {@link Shop#withOrderSettings}: order waits {@code millis} on a lock before it gives up. */
    static Consumer<Map<String, String>> orderWaits(int millis) {
        return settings -> settings.put("database.url", settings.get("database.url") + ";LOCK_TIMEOUT=" + millis);
    }

    /** What {@code action} returns, done while order's row of the order is locked. */
    static <T> T whileHeld(Shop shop, String orderId, Supplier<T> action) {
        try (OrderRowLock lock = hold(shop, orderId)) {
            return action.get();
        }
    }

    static OrderRowLock hold(Shop shop, String orderId) {
        Handle handle = Jdbi.create("jdbc:h2:" + shop.data().resolve("order").toAbsolutePath()
                + ";DB_CLOSE_ON_EXIT=FALSE", "sa", "").open();
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
