package com.tiktokmall.auth.resources;

import com.tiktokmall.auth.AuthConfiguration;
import com.tiktokmall.auth.AuthTestApp;
import com.tiktokmall.mtls.testing.MtlsTestClient.Reply;
import com.tiktokmall.mtls.testing.MtlsTestClient;
import com.tiktokmall.mtls.testing.RawHttps;
import com.tiktokmall.mtls.testing.TestCert;
import com.tiktokmall.mtls.testing.TestPki;
import io.dropwizard.testing.junit5.DropwizardAppExtension;
import io.dropwizard.testing.junit5.DropwizardExtensionsSupport;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/** auth's endpoints over real mutual TLS, started from config/auth.yml with test certificates. */
@ExtendWith(DropwizardExtensionsSupport.class)
class TokenResourceTest {
    private static final TestPki PKI = TestPki.create();
    /** Not there yet: auth creates it. */
    private static final Path DATA = PKI.dir().resolve("data");
    private static final DropwizardAppExtension<AuthConfiguration> AUTH =
            AuthTestApp.extension(AuthTestApp.settings(PKI, DATA));
    private static TestCert gatewayCert;
    private static MtlsTestClient gateway;

    @BeforeAll
    static void issueGatewayCertificate() {
        gatewayCert = PKI.issue("gateway");
        gateway = MtlsTestClient.as(gatewayCert, PKI.ca());
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

        String otherIssuer = AuthTestApp.mintToken(PKI, "someone-else", 7, Instant.now(),
                Instant.now().plus(Duration.ofHours(1)));
        String revoked = issue(7).text("token");
        revoke(revoked);

        Map<String, String> reasons = Map.of("garbage", "malformed", tampered, "bad signature", expired, "expired",
                foreign, "bad signature", otherIssuer, "wrong issuer", revoked, "revoked", "x".repeat(4097), "too long");
        reasons.forEach((bad, reason) -> {
            Reply verified = verify(bad);
            assertThat(verified.status()).isEqualTo(200);
            assertThat(verified.json().path("valid").asBoolean()).as(bad).isFalse();
            assertThat(verified.json().has("user_id")).isFalse();
            assertThat(verified.text("reason")).as(bad).isEqualTo(reason);
        });
    }

    @Test
    void aTokenIsNotValidOnceItsExpiryHasPassedNotEvenBySeconds() {
        String justExpired = AuthTestApp.mintToken(PKI, 9, Instant.now().minus(Duration.ofHours(1)),
                Instant.now().minusSeconds(2));

        Reply verified = verify(justExpired);

        assertThat(verified.json().path("valid").asBoolean()).isFalse();
        assertThat(verified.text("reason")).isEqualTo("expired");
    }

    @Test
    void aTokenLongerThanTheLimitIsNotLookedAt() {
        assertThat(verify("a".repeat(4097)).text("reason")).isEqualTo("too long");
        Reply revoked = revoke("a".repeat(4097));
        assertThat(revoked.status()).isEqualTo(400);
        assertThat(revoked.text("message")).isEqualTo("the token is longer than 4096 characters: not one of ours");
    }

    @Test
    void aTenMegabyteBodyGets413AtOnceAndAuthStaysHealthy() throws Exception {
        RawHttps.Answer answer = RawHttps.postFlood(gatewayCert.rawClientContext(PKI.ca().certificate()), "localhost",
                AUTH.getLocalPort(), "/v1/tokens", 10L * 1024 * 1024, false);

        assertThat(answer.status()).as(answer.toString()).isEqualTo(413);
        assertThat(answer.sentBeforeAnswer()).as("bytes sent before the answer").isLessThan(10L * 1024 * 1024);
        assertThat(answer.took()).isLessThan(Duration.ofSeconds(1));
        assertThat(answer.body()).contains("\"code\":413");
        assertThat(issue(10).status()).isEqualTo(201);
        assertThat(gateway.get("https://localhost:" + AUTH.getAdminPort() + "/healthcheck").status()).isEqualTo(200);
    }

    @Test
    void bodiesOverSixteenKibAreRefused() throws Exception {
        // The answer is read while the body is written: the server answers 413 and closes without
        // reading the rest, which a client that reads only after writing may see as a reset.
        RawHttps.Answer answer = RawHttps.postFlood(gatewayCert.rawClientContext(PKI.ca().certificate()), "localhost",
                AUTH.getLocalPort(), "/v1/tokens/verify", 16 * 1024 + 1, false);

        assertThat(answer.status()).as(answer.toString()).isEqualTo(413);
        assertThat(answer.body()).contains("the request body is larger than the 16384 bytes this service accepts");
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "/v1/tokens        | {\"user_id\": \"42\"}              | 422 | user_id must be a whole number",
            "/v1/tokens        | {\"user_id\": 1.9}                 | 422 | user_id must be a whole number",
            "/v1/tokens        | {\"user_id\": 42, \"user_id\": 43} | 400 | user_id appears more than once",
            "/v1/tokens/verify | {\"token\": 12}                    | 422 | token must be a string"})
    void jsonIsReadAsWritten(String path, String body, int status, String message) {
        Reply reply = gateway.post(url(path), body);

        assertThat(reply.status()).isEqualTo(status);
        assertThat(reply.text("message")).isEqualTo(message);
    }

    @Test
    void theDatabaseIsReadableByItsOwnerOnly() throws Exception {
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(DATA))).isEqualTo("rwx------");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(DATA.resolve("auth.mv.db"))))
                .isEqualTo("rw-------");
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
