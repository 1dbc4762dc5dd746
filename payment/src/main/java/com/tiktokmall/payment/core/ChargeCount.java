package com.tiktokmall.payment.core;

import com.codahale.metrics.CachedGauge;

import java.util.concurrent.TimeUnit;

/**
 * How many charges are in one status, as a gauge: counted at most every 10 s, so that scrapes do
 * not queue on the database; while the database is away it is left out of a scrape.
 */
public class ChargeCount extends CachedGauge<Long> {
    private final ChargeService charges;
    private final ChargeStatus status;

    public ChargeCount(ChargeService charges, ChargeStatus status) {
        super(10, TimeUnit.SECONDS);
        this.charges = charges;
        this.status = status;
    }

    @Override
    protected Long loadValue() {
        return charges.count(status);
    }
}
