package com.tiktokmall.payment.core;

import com.tiktokmall.payment.api.CreditCard;
import jakarta.ws.rs.WebApplicationException;

import java.time.Clock;
import java.time.YearMonth;
import java.time.ZoneOffset;

/** A card is good through the last day of its expiration month (UTC), by the service's clock. */
public class CardExpiry {
    private final Clock clock;

    public CardExpiry(Clock clock) {
        this.clock = clock;
    }

    /** @throws WebApplicationException 422 naming {@code credit_card.expiration_year} or {@code _month} */
    public void check(CreditCard card) {
        YearMonth now = YearMonth.now(clock.withZone(ZoneOffset.UTC));
        YearMonth expiry = YearMonth.of(card.expirationYear(), card.expirationMonth());
        if (expiry.isBefore(now)) {
            String field = expiry.getYear() < now.getYear() ? "expiration_year" : "expiration_month";
            throw Unprocessable.because("credit_card." + field, "the card expired at the end of " + expiry);
        }
    }
}
