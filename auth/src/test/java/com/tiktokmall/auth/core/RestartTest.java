package com.tiktokmall.auth.core;

import com.tiktokmall.auth.AuthConfiguration;
import com.tiktokmall.auth.AuthTestApp;
import com.tiktokmall.mtls.testing.MtlsTestClient;
import com.tiktokmall.mtls.testing.TestPki;
import io.dropwizard.testing.DropwizardTestSupport;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** Tokens and revocations outlive an auth restart: the key is a file, revocations are in H2. */
class RestartTest {
    private static final TestPki PKI = TestPki.create();

    @Test
    void tokensStayValidAndRevocationsStayRevokedAcrossARestart() throws Exception {
        Map<String, String> settings = AuthTestApp.settings(PKI, AuthTestApp.dataDir(PKI));
        MtlsTestClient gateway = MtlsTestClient.as(PKI.issue("gateway"), PKI.ca());
        DropwizardTestSupport<AuthConfiguration> auth = AuthTestApp.support(settings);

        auth.before();
        String kept = gateway.post(url(auth, "/v1/tokens"), Map.of("user_id", 1)).text("token");
        String revoked = gateway.post(url(auth, "/v1/tokens"), Map.of("user_id", 2)).text("token");
        assertThat(gateway.post(url(auth, "/v1/tokens/revoke"), Map.of("token", revoked)).status()).isEqualTo(204);
        auth.after();

        DropwizardTestSupport<AuthConfiguration> restarted = AuthTestApp.support(settings);
        restarted.before();
        try {
            assertThat(gateway.post(url(restarted, "/v1/tokens/verify"), Map.of("token", kept)).json()
                    .path("valid").asBoolean()).isTrue();
            assertThat(gateway.post(url(restarted, "/v1/tokens/verify"), Map.of("token", revoked)).json()
                    .path("valid").asBoolean()).isFalse();
        } finally {
            restarted.after();
        }
    }

    private static String url(DropwizardTestSupport<?> app, String path) {
        return "https://localhost:" + app.getLocalPort() + path;
    }
}
