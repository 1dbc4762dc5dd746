package com.tiktokmall.auth.db;

import com.tiktokmall.auth.AuthConfiguration;
import com.tiktokmall.auth.AuthTestApp;
import com.tiktokmall.mtls.testing.MtlsTestClient;
import com.tiktokmall.mtls.testing.MtlsTestClient.Reply;
import com.tiktokmall.mtls.testing.MutableClock;
import com.tiktokmall.mtls.testing.TestPki;
import io.dropwizard.testing.junit5.DropwizardAppExtension;
import io.dropwizard.testing.junit5.DropwizardExtensionsSupport;
import org.jdbi.v3.core.Jdbi;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.time.Duration;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** Revocations are deleted once their token has expired, by auth's own schedule (every second here). */
@ExtendWith(DropwizardExtensionsSupport.class)
class RevocationPurgeTest {
    private static final TestPki PKI = TestPki.create();
    private static final MutableClock CLOCK = MutableClock.startingNow();
    private static final Map<String, String> SETTINGS = settings();
    private static final DropwizardAppExtension<AuthConfiguration> AUTH = AuthTestApp.extension(SETTINGS, CLOCK);

    private static Map<String, String> settings() {
        Map<String, String> settings = AuthTestApp.settings(PKI, AuthTestApp.dataDir(PKI));
        settings.put("tokens.purge_interval", "1s");
        return settings;
    }

    @Test
    void aRevocationIsPurgedOnceItsTokenHasExpiredAndTheTokenStaysRefused() {
        MtlsTestClient gateway = MtlsTestClient.as(PKI.issue("gateway"), PKI.ca());
        Jdbi database = AuthTestApp.database(SETTINGS);
        String first = gateway.post(url("/v1/tokens"), Map.of("user_id", 1)).text("token");
        assertThat(gateway.post(url("/v1/tokens/revoke"), Map.of("token", first)).status()).isEqualTo(204);
        assertThat(rows(database)).isEqualTo(1);

        CLOCK.advance(Duration.ofMinutes(59)); // the first token has a minute left
        String second = gateway.post(url("/v1/tokens"), Map.of("user_id", 2)).text("token");
        assertThat(gateway.post(url("/v1/tokens/revoke"), Map.of("token", second)).status()).isEqualTo(204);
        assertThat(rows(database)).isEqualTo(2);
        CLOCK.advance(Duration.ofMinutes(1)); // the first token's expiry: now it is refused as expired

        await().atMost(Duration.ofSeconds(20)).until(() -> rows(database) == 1);

        assertThat(reason(gateway, first)).isEqualTo("expired");
        assertThat(reason(gateway, second)).isEqualTo("revoked");
        // revoking an expired token is accepted but records nothing
        assertThat(gateway.post(url("/v1/tokens/revoke"), Map.of("token", first)).status()).isEqualTo(204);
        assertThat(rows(database)).isEqualTo(1);
        assertThat(AUTH.getEnvironment().metrics().meter("tokens.revocations_purged").getCount()).isEqualTo(1);
    }

    private static String reason(MtlsTestClient caller, String token) {
        Reply verified = caller.post(url("/v1/tokens/verify"), Map.of("token", token));
        assertThat(verified.json().path("valid").asBoolean()).isFalse();
        return verified.text("reason");
    }

    private static long rows(Jdbi database) {
        return database.withHandle(h -> h.createQuery("SELECT COUNT(*) FROM revoked_tokens").mapTo(Long.class).one());
    }

    private static String url(String path) {
        return "https://localhost:" + AUTH.getLocalPort() + path;
    }
}
