package com.tiktokmall.auth.core;

import com.nimbusds.jwt.SignedJWT;
import com.tiktokmall.auth.AuthConfiguration;
import com.tiktokmall.auth.AuthTestApp;
import com.tiktokmall.mtls.dropwizard.config.SettingException;
import com.tiktokmall.mtls.testing.MtlsTestClient;
import com.tiktokmall.mtls.testing.MtlsTestClient.Reply;
import com.tiktokmall.mtls.testing.TestPki;
import io.dropwizard.testing.DropwizardTestSupport;
import io.dropwizard.testing.junit5.DropwizardAppExtension;
import io.dropwizard.testing.junit5.DropwizardExtensionsSupport;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Signing-key rollover: auth signs with {@code tokens.signing_key} and also verifies (only) tokens
 * signed with the keys of {@code tokens.previous_keys}, until those tokens expire.
 */
@ExtendWith(DropwizardExtensionsSupport.class)
class KeyRolloverTest {
    private static final TestPki PKI = TestPki.create();
    private static final Path CURRENT = PKI.tokenSigningKey("current-key");
    private static final Path PREVIOUS = PKI.tokenSigningKey("previous-key");
    private static final Path UNKNOWN = PKI.tokenSigningKey("unknown-key");
    private static final DropwizardAppExtension<AuthConfiguration> AUTH = AuthTestApp.extension(settings(PREVIOUS));
    private static MtlsTestClient gateway;

    @BeforeAll
    static void issueGatewayCertificate() {
        gateway = MtlsTestClient.as(PKI.issue("gateway"), PKI.ca());
    }

    @Test
    void aTokenSignedWithAPreviousKeyVerifies() {
        Reply verified = verify(mint(PREVIOUS, Instant.now().plus(Duration.ofMinutes(30))));

        assertThat(verified.json().path("valid").asBoolean()).isTrue();
        assertThat(verified.json().path("user_id").asLong()).isEqualTo(77);
    }

    @Test
    void aTokenSignedWithAnUnknownKeyDoesNot() {
        assertThat(verify(mint(UNKNOWN, Instant.now().plus(Duration.ofMinutes(30)))).json().path("valid").asBoolean())
                .isFalse();
    }

    @Test
    void aTokenOfAPreviousKeyStopsVerifyingWhenItExpires() {
        assertThat(verify(mint(PREVIOUS, Instant.now().minus(Duration.ofMinutes(1)))).json().path("valid").asBoolean())
                .isFalse();
    }

    @Test
    void newTokensAreSignedWithTheCurrentKeyOnly() throws Exception {
        String token = gateway.post(url("/v1/tokens"), Map.of("user_id", 5)).text("token");

        assertThat(SignedJWT.parse(token).getHeader().getKeyID()).isEqualTo(TokenSigningKey.fromPem(CURRENT).keyId());
        assertThat(verify(token).json().path("valid").asBoolean()).isTrue();
    }

    @Test
    void aTokenOfAPreviousKeyCanBeRevoked() {
        String token = mint(PREVIOUS, Instant.now().plus(Duration.ofMinutes(30)));

        assertThat(gateway.post(url("/v1/tokens/revoke"), Map.of("token", token)).status()).isEqualTo(204);
        assertThat(verify(token).json().path("valid").asBoolean()).isFalse();
        assertThat(gateway.post(url("/v1/tokens/revoke"), Map.of("token", mint(UNKNOWN,
                Instant.now().plus(Duration.ofMinutes(30))))).status()).isEqualTo(400);
    }

    @Test
    void aPreviousKeyThatIsNotAKeyStopsStartUpNamingIt() throws Exception {
        Path broken = Files.writeString(PKI.dir().resolve("broken-key.pem"), "not a key\n");
        Map<String, String> settings = settings(PREVIOUS);
        settings.put("tokens.previous_keys", PREVIOUS + "," + broken);
        DropwizardTestSupport<AuthConfiguration> auth = AuthTestApp.support(settings);

        assertThatThrownBy(auth::before).isInstanceOf(SettingException.class)
                .hasMessageStartingWith("tokens.previous_keys[1]: " + broken + ": ");
        auth.after();
    }

    private static Map<String, String> settings(Path previous) {
        Map<String, String> settings = AuthTestApp.settings(PKI, AuthTestApp.dataDir(PKI));
        settings.put("tokens.signing_key", CURRENT.toString());
        settings.put("tokens.previous_keys", previous.toString());
        return settings;
    }

    private static String mint(Path key, Instant expiresAt) {
        return AuthTestApp.mintToken(key, 77, Instant.now().minus(Duration.ofMinutes(5)), expiresAt);
    }

    private static Reply verify(String token) {
        return gateway.post(url("/v1/tokens/verify"), Map.of("token", token));
    }

    private static String url(String path) {
        return "https://localhost:" + AUTH.getLocalPort() + path;
    }
}
