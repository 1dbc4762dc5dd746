package com.tiktokmall.mtls.dropwizard.config;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.tiktokmall.mtls.SpiffeId;
import com.tiktokmall.mtls.TlsException;
import jakarta.validation.constraints.NotNull;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
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
 *   admin:                               # may use the admin port's tasks, metrics, threads, pprof
 *     - spiffe://tiktokmall.local/ops
 *   metrics:                             # may only scrape: GET /prometheus on the admin port
 *     - spiffe://tiktokmall.local/prometheus
 * </pre>
 *
 * <p>Resources name the role they need with {@code @RolesAllowed}. A caller that is not listed
 * holds no role. On the admin port, {@code /healthcheck} and {@code /ping} are open to any
 * certificate of {@code ca_cert}; {@code GET /prometheus} also to the {@code metrics} identities;
 * everything else only to the {@code admin} identities. See {@code MtlsBundle.authorize}.
 */
public class AuthorizationConfiguration {
    @NotNull
    @JsonProperty
    private Map<String, Set<String>> peers = new LinkedHashMap<>();

    @NotNull
    @JsonProperty
    private List<String> admin = new ArrayList<>();

    @NotNull
    @JsonProperty
    private List<String> metrics = new ArrayList<>();

    public Map<String, Set<String>> getPeers() {
        return peers;
    }

    public List<String> getAdmin() {
        return admin;
    }

    public List<String> getMetrics() {
        return metrics;
    }

    /**
     * The identities that may use the admin port, checked: each a SPIFFE ID of {@code trustDomain}.
     *
     * @throws TlsException naming {@code authorization.admin} and the bad entry
     */
    public Set<SpiffeId> admins(String trustDomain) {
        Set<SpiffeId> admins = new LinkedHashSet<>();
        for (String entry : admin) {
            admins.add(identity("authorization.admin", entry, trustDomain));
        }
        return Set.copyOf(admins);
    }

    /**
     * The identities that may only scrape the admin port ({@code GET /prometheus}), checked: each a
     * SPIFFE ID of {@code trustDomain}. An identity of {@code admin} may do that anyway.
     *
     * @throws TlsException naming {@code authorization.metrics} and the bad entry
     */
    public Set<SpiffeId> scrapers(String trustDomain) {
        Set<SpiffeId> scrapers = new LinkedHashSet<>();
        for (String entry : metrics) {
            scrapers.add(identity("authorization.metrics", entry, trustDomain));
        }
        return Set.copyOf(scrapers);
    }

    /**
     * The grants, checked: every key a SPIFFE ID of {@code trustDomain}, every role one of
     * {@code knownRoles}.
     *
     * @throws TlsException naming {@code authorization.peers} and the bad entry
     */
    public Map<SpiffeId, Set<String>> grants(String trustDomain, Set<String> knownRoles) {
        Map<SpiffeId, Set<String>> grants = new LinkedHashMap<>();
        peers.forEach((key, roles) -> {
            SpiffeId id = identity("authorization.peers", key, trustDomain);
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

    private static SpiffeId identity(String setting, String value, String trustDomain) {
        SpiffeId id;
        try {
            id = SpiffeId.parse(value);
        } catch (TlsException e) {
            throw TlsException.inSetting(setting, e.problem(), "write spiffe://" + trustDomain + "/<service>");
        }
        if (!id.trustDomain().equals(trustDomain)) {
            throw TlsException.inSetting(setting, id + " is not in the trust domain " + trustDomain + " (tls.trust_domain)",
                    "write spiffe://" + trustDomain + "/<service>");
        }
        return id;
    }
}
