package com.tiktokmall.auth.resources;

import com.tiktokmall.auth.AuthConfiguration;
import com.tiktokmall.auth.AuthTestApp;
import com.tiktokmall.mtls.testing.MtlsTestClient.Reply;
import com.tiktokmall.mtls.testing.MtlsTestClient;
import com.tiktokmall.mtls.testing.TestPki;
import io.dropwizard.testing.junit5.DropwizardAppExtension;
import io.dropwizard.testing.junit5.DropwizardExtensionsSupport;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/** Every cell of auth's access matrix, over real mTLS, with a certificate for each of the four identities. */
@ExtendWith(DropwizardExtensionsSupport.class)
class AccessMatrixTest {
    private static final TestPki PKI = TestPki.create();
    private static final List<String> IDENTITIES = List.of("auth", "order", "gateway", "payment");

    private static final DropwizardAppExtension<AuthConfiguration> AUTH =
            AuthTestApp.extension(AuthTestApp.settings(PKI, AuthTestApp.dataDir(PKI)));

    @BeforeAll
    static void issueCertificates() {
        IDENTITIES.forEach(PKI::issue);
    }

    /** endpoint, role, the identities allowed (config/auth.yml), the status an allowed call gets. */
    static Stream<Arguments> cells() {
        return Stream.of(
                endpoint("/v1/tokens", AuthRoles.ISSUE_TOKENS, List.of("gateway"), 201),
                endpoint("/v1/tokens/verify", AuthRoles.VERIFY_TOKENS, List.of("order", "gateway", "payment"), 200),
                endpoint("/v1/tokens/revoke", AuthRoles.REVOKE_TOKENS, List.of("gateway"), 204))
                .flatMap(e -> IDENTITIES.stream().map(id -> Arguments.of(e[0], e[1], id, ((List<?>) e[2]).contains(id), e[3])));
    }

    @ParameterizedTest(name = "POST {0} by {2}: allowed={3}")
    @MethodSource("cells")
    void everyCellOfTheMatrix(String path, String role, String identity, boolean allowed, int allowedStatus) {
        Reply reply = MtlsTestClient.as(PKI.issue(identity), PKI.ca()).post(url(path), body(path));

        if (allowed) {
            assertThat(reply.status()).as(reply.toString()).isEqualTo(allowedStatus);
        } else {
            assertForbidden(reply, "spiffe://tiktokmall.local/" + identity, role, path);
        }
    }

    private static void assertForbidden(Reply reply, String identity, String role, String path) {
        assertThat(reply.status()).as(reply.toString()).isEqualTo(403);
        assertThat(reply.text("identity")).isEqualTo(identity);
        assertThat(reply.text("missing_role")).isEqualTo(role);
        assertThat(reply.text("message")).isEqualTo(identity + " may not call POST " + path + ": it lacks the role " + role);
    }

    private static Object body(String path) {
        if (path.equals("/v1/tokens")) {
            return Map.of("user_id", 5);
        }
        String token = MtlsTestClient.as(PKI.issue("gateway"), PKI.ca()).post(url("/v1/tokens"), Map.of("user_id", 5))
                .text("token");
        return Map.of("token", token);
    }

    private static Object[] endpoint(String path, String role, List<String> allowed, int status) {
        return new Object[] {path, role, allowed, status};
    }

    private static String url(String path) {
        return "https://localhost:" + AUTH.getLocalPort() + path;
    }
}
