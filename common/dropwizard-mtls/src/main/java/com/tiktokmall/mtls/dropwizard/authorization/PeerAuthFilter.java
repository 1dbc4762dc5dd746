package com.tiktokmall.mtls.dropwizard.authorization;

import com.tiktokmall.mtls.SpiffeId;
import com.tiktokmall.mtls.Certificates;
import io.dropwizard.auth.AuthFilter;
import io.dropwizard.auth.Authenticator;
import jakarta.annotation.Priority;
import jakarta.ws.rs.Priorities;
import jakarta.ws.rs.container.ContainerRequestContext;

import java.security.cert.X509Certificate;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * dropwizard-auth over the client certificate chain that the TLS handshake verified: every
 * request gets a {@link PeerPrincipal}, {@code @RolesAllowed} decides with its roles, and the
 * request attributes {@value #LOG_ATTRIBUTE} and {@value #SERIAL_LOG_ATTRIBUTE} name the caller and
 * its certificate for the request log ({@code %reqAttribute{mtls.peer}}): during a rotation the
 * serial shows who still uses an old certificate.
 */
@Priority(Priorities.AUTHENTICATION)
final class PeerAuthFilter extends AuthFilter<X509Certificate[], PeerPrincipal> {
    static final String LOG_ATTRIBUTE = "mtls.peer";
    static final String SERIAL_LOG_ATTRIBUTE = "mtls.peer.serial";
    static final String CERTIFICATES = "jakarta.servlet.request.X509Certificate";

    private PeerAuthFilter() {
    }

    @Override
    public void filter(ContainerRequestContext request) {
        X509Certificate[] chain = (X509Certificate[]) request.getProperty(CERTIFICATES);
        if (!authenticate(request, chain == null ? new X509Certificate[0] : chain, "CLIENT_CERT")) {
            throw unauthorizedHandler.buildException(prefix, realm);
        }
        request.setProperty(LOG_ATTRIBUTE, request.getSecurityContext().getUserPrincipal().getName());
        if (chain != null) {
            request.setProperty(SERIAL_LOG_ATTRIBUTE, chain[0].getSerialNumber().toString(16));
        }
    }

    /** Callers identified by the URI SAN of their certificate, holding the roles granted to that identity. */
    static PeerAuthFilter identifying(String trustDomain, Map<SpiffeId, Set<String>> grants) {
        return build(chain -> {
            if (chain.length == 0) {
                return Optional.empty();
            }
            Optional<SpiffeId> identity = SpiffeId.fromCertificate(chain[0], trustDomain);
            return Optional.of(new PeerPrincipal(identity.orElse(null), Certificates.subject(chain[0]),
                    identity.map(grants::get).orElse(Set.of())));
        });
    }

    /** Without TLS there is no identity to check: every caller holds every role. */
    static PeerAuthFilter everyoneMayDoAnything(Set<String> roles) {
        return build(chain -> Optional.of(new PeerPrincipal(null, "plain HTTP caller", roles)));
    }

    private static PeerAuthFilter build(Authenticator<X509Certificate[], PeerPrincipal> authenticator) {
        return new Builder()
                .setAuthenticator(authenticator)
                .setAuthorizer((principal, role, context) -> principal.roles().contains(role))
                .setPrefix("mTLS")
                .setRealm("tiktokmall")
                .buildAuthFilter();
    }

    private static final class Builder extends AuthFilterBuilder<X509Certificate[], PeerPrincipal, PeerAuthFilter> {
        @Override
        protected PeerAuthFilter newInstance() {
            return new PeerAuthFilter();
        }
    }
}
