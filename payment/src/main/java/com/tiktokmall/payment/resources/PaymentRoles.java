package com.tiktokmall.payment.resources;

import java.util.Set;

/** What a caller may do at payment; config/payment.yml grants these to caller identities. */
public final class PaymentRoles {
    public static final String CHARGE = "charge";
    public static final Set<String> ALL = Set.of(CHARGE);

    private PaymentRoles() {
    }
}
