package com.tiktokmall.mtls.dropwizard.authorization;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.tiktokmall.mtls.SpiffeId;
import com.tiktokmall.mtls.TlsException;
import jakarta.validation.constraints.NotNull;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * The {@code authorization:} block of a service's YAML: which caller identity holds which roles.
 *
 * <pre>
 * authorization:
 *   peers:
 *     spiffe://tiktokmall.local/gateway: [issue-tokens, verify-tokens, revoke-tokens]
 *     spiffe://tiktokmall.local/order: [verify-tokens]
 * </pre>
 *
 * <p>Resources name the role they need with {@code @RolesAllowed}. A caller that is not listed
 * holds no role. See {@code MtlsBundle.authorize}.
 */
public class AuthorizationConfiguration {
    @NotNull
    @JsonProperty
    private Map<String, Set<String>> peers = new LinkedHashMap<>();

    public Map<String, Set<String>> getPeers() {
        return peers;
    }

    /**
     * The grants, checked: every key a SPIFFE ID of {@code trustDomain}, every role one of
     * {@code knownRoles}.
     *
     * @throws TlsException naming {@code authorization.peers} and the bad entry
     */
    Map<SpiffeId, Set<String>> grants(String trustDomain, Set<String> knownRoles) {
        Map<SpiffeId, Set<String>> grants = new LinkedHashMap<>();
        peers.forEach((key, roles) -> {
            SpiffeId id;
            try {
                id = SpiffeId.parse(key);
            } catch (TlsException e) {
                throw TlsException.inSetting("authorization.peers", e.problem(), "write spiffe://<trust domain>/<service>");
            }
            if (!id.trustDomain().equals(trustDomain)) {
                throw TlsException.inSetting("authorization.peers", id + " is not in the trust domain " + trustDomain
                        + " (tls.trust_domain)", "write spiffe://" + trustDomain + "/<service>");
            }
            Set<String> unknown = new TreeSet<>(roles);
            unknown.removeAll(knownRoles);
            if (!unknown.isEmpty()) {
                throw TlsException.inSetting("authorization.peers", id + " is granted unknown roles " + unknown
                        + "; this service knows " + new TreeSet<>(knownRoles), "grant only the roles listed");
            }
            grants.put(id, Set.copyOf(roles));
        });
        return Map.copyOf(grants);
    }
}
