package com.tiktokmall.payment.core;

/** The life of a charge. */
public enum ChargeStatus {
    /** The card is charged, but order has not yet confirmed the order paid: retried until it does. */
    CHARGED,
    /** The card is charged and order has marked the order paid. */
    COMPLETED,
    /**
     * The card is charged, but order will not mark the order paid for this charge: another charge
     * paid it. Never retried; the charge is to be refunded
     * (the gauge {@code charges.refused_by_order} counts them).
     */
    REFUSED_BY_ORDER
}
