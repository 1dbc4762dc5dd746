package com.tiktokmall.payment.core;

import com.tiktokmall.payment.api.CreditCard;
import jakarta.ws.rs.WebApplicationException;
import org.junit.jupiter.api.Test;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

/** A card is good through the last second of its expiration month, UTC, by the clock given. */
class CardExpiryTest {
    private static final CreditCard MARCH_2027 = new CreditCard("4242424242424242", "123", 3, 2027);

    @Test
    void goodThroughTheLastSecondOfItsMonth() {
        assertThatCode(() -> at("2027-03-31T23:59:59Z").check(MARCH_2027)).doesNotThrowAnyException();
    }

    @Test
    void expiredFromTheFirstSecondOfTheNextMonthNamingTheMonth() {
        assertThat(refusal(at("2027-04-01T00:00:00Z"))).isEqualTo(
                "{\"errors\":[\"credit_card.expiration_month the card expired at the end of 2027-03\"]}");
    }

    @Test
    void expiredInAnEarlierYearNamesTheYear() {
        assertThat(refusal(at("2028-01-01T00:00:00Z"))).contains("credit_card.expiration_year");
    }

    private static CardExpiry at(String instant) {
        return new CardExpiry(Clock.fixed(Instant.parse(instant), ZoneOffset.UTC));
    }

    private static String refusal(CardExpiry expiry) {
        WebApplicationException e = catchThrowableOfType(WebApplicationException.class, () -> expiry.check(MARCH_2027));
        assertThat(e.getResponse().getStatus()).isEqualTo(422);
        return io.dropwizard.jackson.Jackson.newObjectMapper().valueToTree(e.getResponse().getEntity()).toString();
    }
}
