package com.tiktokmall.mtls.dropwizard.server;

import org.conscrypt.Conscrypt;
import org.eclipse.jetty.util.ssl.SslContextFactory;

import javax.net.ssl.SSLEngine;

/**
 * Jetty's server-side TLS factory of a {@code type: mtls} connector, with session tickets on for
 * Conscrypt's engines: BoringSSL resumes TLS 1.3 sessions only from tickets, and Conscrypt's
 * server issues none unless asked. The tickets are sealed with keys of the connector's own
 * {@code SSLContext}, made anew at each reload (so no session of older trust is resumed).
 * {@code tls.session_timeout} bounds TLS 1.2 sessions; a TLS 1.3 ticket may be honoured for
 * BoringSSL's own lifetime (not settable through Conscrypt), and what bounds it then is the reload
 * and the check of the peer's certificate on every resumed connection and every request
 * ({@code PeerTrustEnforcer}). JSSE's engines need nothing: SunJSSE issues tickets itself.
 */
final class ServerSslContextFactory extends SslContextFactory.Server {
    @Override
    public void customize(SSLEngine engine) {
        super.customize(engine);
        // the class name first: asking Conscrypt about a JSSE engine would load Conscrypt for nothing
        if (engine.getClass().getName().startsWith("org.conscrypt.") && Conscrypt.isConscrypt(engine)) {
            Conscrypt.setUseSessionTickets(engine, true);
        }
    }
}
