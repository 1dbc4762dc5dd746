package com.tiktokmall.auth.resources;

import com.tiktokmall.auth.AuthConfiguration;
import com.tiktokmall.auth.AuthTestApp;
import com.tiktokmall.mtls.testing.MtlsTestClient;
import com.tiktokmall.mtls.testing.MtlsTestClient.Reply;
import com.tiktokmall.mtls.testing.MutableClock;
import com.tiktokmall.mtls.testing.TestPki;
import io.dropwizard.testing.junit5.DropwizardAppExtension;
import io.dropwizard.testing.junit5.DropwizardExtensionsSupport;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.time.Duration;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Minting and revoking are limited per caller identity (a bucket of 3, refilled at 1 a second
 * here); verifying is not. Time is a clock the test moves.
 */
@ExtendWith(DropwizardExtensionsSupport.class)
class RateLimitTest {
    private static final TestPki PKI = TestPki.create();
    private static final MutableClock CLOCK = MutableClock.startingNow();
    private static final Map<String, String> SETTINGS = settings();
    private static final DropwizardAppExtension<AuthConfiguration> AUTH = AuthTestApp.extension(SETTINGS, CLOCK);
    private static MtlsTestClient gateway;
    private static MtlsTestClient order;

    private static Map<String, String> settings() {
        Map<String, String> settings = AuthTestApp.settings(PKI, AuthTestApp.dataDir(PKI));
        settings.put("tokens.rate_limit.per_second", "1");
        settings.put("tokens.rate_limit.burst", "3");
        // a second caller that may mint: order, here only (an escaped dot stays in the key)
        settings.put("authorization.peers.spiffe://tiktokmall\\.local/order", "verify-tokens,issue-tokens");
        return settings;
    }

    @BeforeAll
    static void clients() {
        gateway = MtlsTestClient.as(PKI.issue("gateway"), PKI.ca());
        order = MtlsTestClient.as(PKI.issue("order"), PKI.ca());
    }

    @BeforeEach
    void everyBucketFull() {
        CLOCK.advance(Duration.ofMinutes(1));
    }

    @Test
    void aCallerOverItsLimitGets429WithRetryAfterAndAnotherCallerIsServed() {
        for (int i = 0; i < 3; i++) {
            assertThat(issue(gateway).status()).isEqualTo(201);
        }
        long refusedBefore = refused();

        Reply refused = issue(gateway);

        assertThat(refused.status()).as(refused.toString()).isEqualTo(429);
        assertThat(refused.json().path("code").asInt()).isEqualTo(429);
        assertThat(refused.text("message")).isEqualTo("spiffe://tiktokmall.local/gateway may mint and revoke at most"
                + " 1 tokens a second (bursts of 3); try again in 1 s");
        assertThat(refused.response().headers().firstValue("Retry-After")).hasValue("1");
        assertThat(refused()).isEqualTo(refusedBefore + 1);
        assertThat(issue(order).status()).isEqualTo(201);
    }

    @Test
    void revokingTakesFromTheSameBucket() {
        String token = issue(gateway).text("token");
        assertThat(revoke(gateway, token).status()).isEqualTo(204);
        assertThat(revoke(gateway, token).status()).isEqualTo(204);

        Reply refused = revoke(gateway, token);

        assertThat(refused.status()).as(refused.toString()).isEqualTo(429);
        assertThat(refused.response().headers().firstValue("Retry-After")).hasValue("1");
        assertThat(issue(gateway).status()).isEqualTo(429);
    }

    @Test
    void onceTimeHasPassedTheCallerIsServedAgain() {
        for (int i = 0; i < 3; i++) {
            issue(gateway);
        }
        assertThat(issue(gateway).status()).isEqualTo(429);

        CLOCK.advance(Duration.ofSeconds(1));

        assertThat(issue(gateway).status()).isEqualTo(201);
        assertThat(issue(gateway).status()).isEqualTo(429);
        CLOCK.advance(Duration.ofSeconds(2));
        assertThat(issue(gateway).status()).isEqualTo(201);
        assertThat(issue(gateway).status()).isEqualTo(201);
        assertThat(issue(gateway).status()).isEqualTo(429);
    }

    @Test
    void verifyingIsNeverLimited() {
        String token = issue(gateway).text("token");
        issue(gateway);
        issue(gateway);
        assertThat(issue(gateway).status()).isEqualTo(429);

        for (int i = 0; i < 20; i++) {
            Reply verified = verify(gateway, token);
            assertThat(verified.status()).as(verified.toString()).isEqualTo(200);
            assertThat(verified.json().path("valid").asBoolean()).isTrue();
            assertThat(verify(order, token).status()).isEqualTo(200);
        }
    }

    private static long refused() {
        return AUTH.getEnvironment().metrics().meter("tokens.rate_limited").getCount();
    }

    private static Reply issue(MtlsTestClient caller) {
        return caller.post(url("/v1/tokens"), Map.of("user_id", 5));
    }

    private static Reply revoke(MtlsTestClient caller, String token) {
        return caller.post(url("/v1/tokens/revoke"), Map.of("token", token));
    }

    private static Reply verify(MtlsTestClient caller, String token) {
        return caller.post(url("/v1/tokens/verify"), Map.of("token", token));
    }

    private static String url(String path) {
        return "https://localhost:" + AUTH.getLocalPort() + path;
    }
}
