package com.tiktokmall.payment.core;

/** The life of a charge. */
public enum ChargeStatus {
    /** The card is charged, but order has not yet confirmed the order paid: retried until it does. */
    CHARGED,
    /** The card is charged and order has marked the order paid. */
    COMPLETED
}
