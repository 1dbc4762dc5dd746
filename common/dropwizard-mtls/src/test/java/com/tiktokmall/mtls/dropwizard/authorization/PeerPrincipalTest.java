package com.tiktokmall.mtls.dropwizard.authorization;

import com.tiktokmall.mtls.SpiffeId;
import com.tiktokmall.mtls.dropwizard.config.AuthorizationConfiguration;
import org.junit.jupiter.api.Test;

import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/** The caller as the request log and the 403 body name it, and the grants it is made from. */
class PeerPrincipalTest {
    @Test
    void isNamedByItsIdentityOrAsUnidentifiedByItsSubject() {
        PeerPrincipal order = new PeerPrincipal(SpiffeId.parse("spiffe://tiktokmall.local/order"), "CN=order", Set.of("r"));
        PeerPrincipal stranger = new PeerPrincipal(null, "CN=stranger", Set.of());

        assertThat(order.getName()).isEqualTo("spiffe://tiktokmall.local/order");
        assertThat(order).hasToString("spiffe://tiktokmall.local/order");
        assertThat(stranger.getName()).isEqualTo("unidentified(CN=stranger)");
        assertThat(stranger).hasToString("unidentified(CN=stranger)");
        assertThat(stranger.identity()).isEmpty();
    }

    @Test
    void keepsACopyOfItsRoles() {
        Set<String> roles = new HashSet<>(List.of("verify-tokens"));
        PeerPrincipal order = new PeerPrincipal(null, "CN=order", roles);
        roles.add("issue-tokens");

        assertThat(order.roles()).containsExactly("verify-tokens");
    }

    @Test
    void grantsAreReadFromThePeersOfTheBlock() {
        AuthorizationConfiguration authorization = new AuthorizationConfiguration();
        authorization.getPeers().put("spiffe://tiktokmall.local/order", Set.of("verify-tokens"));

        assertThat(authorization.grants("tiktokmall.local", Set.of("verify-tokens", "issue-tokens")))
                .isEqualTo(Map.of(SpiffeId.parse("spiffe://tiktokmall.local/order"), Set.of("verify-tokens")));
    }
}
