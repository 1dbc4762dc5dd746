package com.tiktokmall.auth.resources;

import com.tiktokmall.auth.AuthConfiguration;
import com.tiktokmall.auth.AuthTestApp;
import com.tiktokmall.mtls.testing.MtlsTestClient.Reply;
import com.tiktokmall.mtls.testing.MtlsTestClient;
import com.tiktokmall.mtls.testing.TestPki;
import io.dropwizard.testing.junit5.DropwizardAppExtension;
import io.dropwizard.testing.junit5.DropwizardExtensionsSupport;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.time.Duration;
import java.time.Instant;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/** auth's endpoints over real mutual TLS, started from config/auth.yml with test certificates. */
@ExtendWith(DropwizardExtensionsSupport.class)
class TokenResourceTest {
    private static final TestPki PKI = TestPki.create();
    private static final DropwizardAppExtension<AuthConfiguration> AUTH =
            AuthTestApp.extension(AuthTestApp.settings(PKI, AuthTestApp.dataDir(PKI)));
    private static MtlsTestClient gateway;

    @BeforeAll
    static void issueGatewayCertificate() {
        gateway = MtlsTestClient.as(PKI.issue("gateway"), PKI.ca());
    }

    @Test
    void issuesTokenThatVerifiesForTheSameUser() {
        Reply issued = issue(42);

        assertThat(issued.status()).isEqualTo(201);
        assertThat(Instant.parse(issued.text("expires_at"))).isCloseTo(Instant.now().plus(Duration.ofHours(1)),
                within(Duration.ofMinutes(1)));
        Reply verified = verify(issued.text("token"));
        assertThat(verified.status()).isEqualTo(200);
        assertThat(verified.json().path("valid").asBoolean()).isTrue();
        assertThat(verified.json().path("user_id").asLong()).isEqualTo(42);
        assertThat(verified.text("expires_at")).isEqualTo(issued.text("expires_at"));
    }

    @Test
    void garbageTamperedExpiredAndForeignTokensAreNotValid() {
        String token = issue(7).text("token");
        String tampered = token.substring(0, token.lastIndexOf('.') + 1) + "AAAA" + token.substring(token.lastIndexOf('.') + 5);
        String expired = AuthTestApp.mintToken(PKI, 7, Instant.now().minus(Duration.ofHours(2)),
                Instant.now().minus(Duration.ofHours(1)));
        String foreign = AuthTestApp.mintToken(TestPki.create(), 7, Instant.now(), Instant.now().plus(Duration.ofHours(1)));

        for (String bad : new String[] {"garbage", tampered, expired, foreign}) {
            Reply verified = verify(bad);
            assertThat(verified.status()).isEqualTo(200);
            assertThat(verified.json().path("valid").asBoolean()).as(bad).isFalse();
            assertThat(verified.json().has("user_id")).isFalse();
        }
    }

    @Test
    void revokedTokenIsNoLongerValidAndRevokingTwiceIsFine() {
        String token = issue(8).text("token");

        assertThat(revoke(token).status()).isEqualTo(204);
        assertThat(revoke(token).status()).isEqualTo(204);
        assertThat(verify(token).json().path("valid").asBoolean()).isFalse();
        assertThat(verify(issue(8).text("token")).json().path("valid").asBoolean()).isTrue();
    }

    @Test
    void revokingSomethingThatIsNotOurTokenIs400() {
        String foreign = AuthTestApp.mintToken(TestPki.create(), 7, Instant.now(), Instant.now().plus(Duration.ofHours(1)));

        assertThat(revoke("garbage").status()).isEqualTo(400);
        assertThat(revoke(foreign).status()).isEqualTo(400);
    }

    @Test
    void badRequestsAreRefusedWithJsonErrors() {
        String url = url("/v1/tokens");

        assertThat(gateway.post(url, "{not json").status()).isEqualTo(400);
        assertThat(gateway.post(url, Map.of()).status()).isEqualTo(422);
        Reply negative = gateway.post(url, Map.of("user_id", -1));
        assertThat(negative.status()).isEqualTo(422);
        assertThat(negative.json().path("errors").toString()).contains("must be greater than 0");
        assertThat(gateway.post(url("/v1/tokens/verify"), Map.of("token", "")).status()).isEqualTo(422);
    }

    static Reply issue(long userId) {
        return gateway.post(url("/v1/tokens"), Map.of("user_id", userId));
    }

    static Reply verify(String token) {
        return gateway.post(url("/v1/tokens/verify"), Map.of("token", token));
    }

    static Reply revoke(String token) {
        return gateway.post(url("/v1/tokens/revoke"), Map.of("token", token));
    }

    static String url(String path) {
        return "https://localhost:" + AUTH.getLocalPort() + path;
    }

}
