package com.tiktokmall.mtls.dropwizard.authorization;

import com.tiktokmall.mtls.SpiffeId;

import java.security.Principal;
import java.util.Optional;
import java.util.Set;

/**
 * The caller of a request, as its client certificate says: its SPIFFE identity (if the
 * certificate carries one of our trust domain) and the roles the {@code authorization} block
 * grants it. Resources get it with {@code @Auth PeerPrincipal caller}; the request log shows its
 * name.
 */
public final class PeerPrincipal implements Principal {
    private final SpiffeId identity;
    private final String subject;
    private final Set<String> roles;

    PeerPrincipal(SpiffeId identity, String subject, Set<String> roles) {
        this.identity = identity;
        this.subject = subject;
        this.roles = Set.copyOf(roles);
    }

    /** The caller's SPIFFE ID; empty for a certificate without one of our trust domain. */
    public Optional<SpiffeId> identity() {
        return Optional.ofNullable(identity);
    }

    /** The subject of the caller's certificate, for messages only: it never decides anything. */
    public String subject() {
        return subject;
    }

    public Set<String> roles() {
        return roles;
    }

    /** The SPIFFE ID, or "unidentified" with the certificate's subject. */
    @Override
    public String getName() {
        return identity != null ? identity.toString() : "unidentified(" + subject + ")";
    }

    @Override
    public String toString() {
        return getName();
    }
}
