package com.tiktokmall.mtls;

import com.tiktokmall.mtls.testing.MutableClock;
import org.conscrypt.Conscrypt;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.security.Provider;
import java.time.Clock;
import java.time.Duration;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The options every source and context of a service share: their defaults and what they refuse. */
class TlsOptionsTest {
    @Test
    void defaultsAreModernProtocolsTheJdksProviderNoCrlAnHourOfSessionsAndChecksEvery30Seconds() {
        TlsOptions defaults = TlsOptions.defaults();

        assertThat(defaults.protocols()).containsExactly("TLSv1.3", "TLSv1.2").isEqualTo(MtlsContext.DEFAULT_PROTOCOLS);
        assertThat(defaults.provider()).isEmpty();
        assertThat(defaults.crl()).isEmpty();
        assertThat(defaults.sessionTimeout()).isEqualTo(Duration.ofHours(1)).isEqualTo(MtlsContext.DEFAULT_SESSION_TIMEOUT);
        assertThat(defaults.checkEvery()).isEqualTo(Duration.ofSeconds(30));
        assertThat(defaults.clock().getZone()).isEqualTo(ZoneOffset.UTC);
    }

    @Test
    void refusesProtocolsOlderThanTls12AndAnEmptyList() {
        for (List<String> protocols : List.of(List.of("TLSv1.1"), List.of("TLSv1.3", "TLSv1"), List.of("SSLv3"),
                List.of("TLSv1.3", "TLSv1.2", "TLSv1.1"), List.<String>of())) {
            assertThatThrownBy(() -> TlsOptions.builder().protocols(protocols)).as(protocols.toString())
                    .isInstanceOf(TlsException.class)
                    .hasMessage("protocols " + protocols + " are not allowed: choose from [TLSv1.3, TLSv1.2]."
                            + " Fix: remove older protocols; TLS 1.1 and below are broken.");
        }
    }

    @Test
    void acceptsEitherModernProtocolAloneAndKeepsItsOwnCopy() {
        List<String> protocols = new ArrayList<>(List.of("TLSv1.2"));

        TlsOptions options = TlsOptions.builder().protocols(protocols).build();
        protocols.add("TLSv1.1");

        assertThat(options.protocols()).containsExactly("TLSv1.2");
        assertThat(TlsOptions.builder().protocols(List.of("TLSv1.3")).build().protocols()).containsExactly("TLSv1.3");
    }

    @Test
    void refusesAnIntervalOfChecksThatIsNotPositive() {
        for (Duration interval : List.of(Duration.ZERO, Duration.ofSeconds(-1))) {
            assertThatThrownBy(() -> TlsOptions.builder().checkEvery(interval)).as(interval.toString())
                    .isInstanceOf(TlsException.class)
                    .hasMessage("the reload interval must be positive, not " + interval + ".");
        }
        assertThat(TlsOptions.builder().checkEvery(Duration.ofMillis(1)).build().checkEvery()).isEqualTo(Duration.ofMillis(1));
    }

    @Test
    void refusesASessionTimeoutThatIsNotPositive() {
        for (Duration timeout : List.of(Duration.ZERO, Duration.ofMinutes(-5))) {
            assertThatThrownBy(() -> TlsOptions.builder().sessionTimeout(timeout)).as(timeout.toString())
                    .isInstanceOf(TlsException.class)
                    .hasMessage("the session timeout must be positive, not " + timeout + ".");
        }
        assertThat(TlsOptions.builder().sessionTimeout(Duration.ofSeconds(1)).build().sessionTimeout())
                .isEqualTo(Duration.ofSeconds(1));
    }

    @Test
    void aClockIsRequired() {
        assertThatThrownBy(() -> TlsOptions.builder().clock(null)).isInstanceOf(NullPointerException.class);
    }

    @Test
    void toBuilderKeepsEveryOptionAndLeavesTheOriginalAsItWas() {
        Provider conscrypt = Conscrypt.newProvider();
        Clock clock = MutableClock.startingNow();
        TlsOptions original = TlsOptions.builder().protocols(List.of("TLSv1.3")).provider(conscrypt)
                .crl(Path.of("certs/crl.pem")).sessionTimeout(Duration.ofMinutes(5)).checkEvery(Duration.ofSeconds(7))
                .clock(clock).build();

        TlsOptions copy = original.toBuilder().build();
        TlsOptions changed = original.toBuilder().checkEvery(Duration.ofSeconds(9)).crl(null).build();

        for (TlsOptions options : List.of(original, copy)) {
            assertThat(options.protocols()).containsExactly("TLSv1.3");
            assertThat(options.provider()).containsSame(conscrypt);
            assertThat(options.crl()).contains(Path.of("certs/crl.pem"));
            assertThat(options.sessionTimeout()).isEqualTo(Duration.ofMinutes(5));
            assertThat(options.checkEvery()).isEqualTo(Duration.ofSeconds(7));
            assertThat(options.clock()).isSameAs(clock);
        }
        assertThat(changed.checkEvery()).isEqualTo(Duration.ofSeconds(9));
        assertThat(changed.crl()).isEmpty();
        assertThat(changed.clock()).isSameAs(clock);
        assertThat(changed.provider()).containsSame(conscrypt);
    }
}
