package com.tiktokmall.payment.api;

import com.fasterxml.jackson.annotation.JsonProperty;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Pattern;
import org.hibernate.validator.constraints.LuhnCheck;

/**
 * payment.proto's CreditCardInfo, checked for shape here (digits, the Luhn check digit, a month)
 * and for expiry by {@link com.tiktokmall.payment.core.CardExpiry}. Neither the number nor the
 * CVV is ever stored or logged: {@link #toString()} shows the last four digits only.
 */
public record CreditCard(
        @JsonProperty("number") @NotNull @Pattern(regexp = "[0-9]{12,19}", message = "must be 12 to 19 digits")
        @LuhnCheck(message = "fails the Luhn check") String number,
        @JsonProperty("cvv") @NotNull @Pattern(regexp = "[0-9]{3,4}", message = "must be 3 or 4 digits") String cvv,
        @JsonProperty("expiration_month") @NotNull @Min(1) @Max(12) Integer expirationMonth,
        @JsonProperty("expiration_year") @NotNull @Min(2000) @Max(2199) Integer expirationYear) {

    /** The last four digits, all that is kept of the number. */
    public String lastFour() {
        return number.substring(number.length() - 4);
    }

    @Override
    public String toString() {
        return "CreditCard[..." + (number == null || number.length() < 4 ? "" : lastFour()) + "]";
    }
}
