package com.tiktokmall.mtls.dropwizard.authorization;

import com.tiktokmall.mtls.SpiffeId;
import com.tiktokmall.mtls.dropwizard.config.AuthorizationConfiguration;
import io.dropwizard.auth.AuthDynamicFeature;
import io.dropwizard.auth.AuthValueFactoryProvider;
import io.dropwizard.jersey.setup.JerseyEnvironment;
import org.glassfish.jersey.server.filter.RolesAllowedDynamicFeature;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Map;
import java.util.Set;

/**
 * {@code @RolesAllowed} by SPIFFE identity for a Jersey environment: what
 * {@code MtlsBundle.authorize} installs.
 */
public final class PeerAuthorization {
    private static final Logger LOG = LoggerFactory.getLogger(PeerAuthorization.class);

    private PeerAuthorization() {
    }

    /**
     * Registers the filter, the role check, {@code @Auth PeerPrincipal} and the 403 mapper.
     *
     * @param tlsEnabled  without TLS callers have no identity, and every caller holds every role
     * @param trustDomain the trust domain of every identity in {@code authorization}
     * @param roles       every role the resources use; granting another is a start-up error
     * @param admin       the admin port's filter, told {@code authorization.admin} and
     *                    {@code authorization.metrics}; {@code null} without TLS
     * @throws com.tiktokmall.mtls.TlsException for a malformed identity or an unknown role
     */
    public static void register(JerseyEnvironment jersey, boolean tlsEnabled, String trustDomain,
                                AuthorizationConfiguration authorization, Set<String> roles,
                                AdminAuthorizationFilter admin) {
        Map<SpiffeId, Set<String>> grants = authorization.grants(trustDomain, roles);
        Set<SpiffeId> admins = authorization.admins(trustDomain);
        Set<SpiffeId> scrapers = authorization.scrapers(trustDomain);
        if (admin != null) {
            admin.allow(admins, scrapers);
        }
        PeerAuthFilter filter;
        if (tlsEnabled) {
            filter = PeerAuthFilter.identifying(trustDomain, grants);
        } else {
            LOG.warn("tls.enabled is false: callers have no identity, so every caller may call every endpoint");
            filter = PeerAuthFilter.everyoneMayDoAnything(roles);
        }
        jersey.register(new AuthDynamicFeature(filter));
        jersey.register(RolesAllowedDynamicFeature.class);
        jersey.register(new AuthValueFactoryProvider.Binder<>(PeerPrincipal.class));
        jersey.register(new ForbiddenCallerMapper());
    }
}
