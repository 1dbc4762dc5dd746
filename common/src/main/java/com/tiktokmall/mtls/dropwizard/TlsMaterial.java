package com.tiktokmall.mtls.dropwizard;

import com.tiktokmall.mtls.Identity;
import com.tiktokmall.mtls.MtlsContext;
import com.tiktokmall.mtls.TlsException;
import com.tiktokmall.mtls.TrustBundle;

/**
 * Everything the {@code tls} block describes, loaded and validated: the server context every
 * connector uses and the client context every outgoing client uses. Immutable; a reload builds
 * a new one.
 */
final class TlsMaterial {
    private final MtlsContext server;
    private final MtlsContext client;

    private TlsMaterial(MtlsContext server, MtlsContext client) {
        this.server = server;
        this.client = client;
    }

    /**
     * Reads every file of the block and checks it as a whole.
     *
     * @throws TlsException naming the configuration key and file at fault
     */
    static TlsMaterial load(TlsConfiguration tls) {
        try {
            TrustBundle trust = TrustBundle.fromPem(tls.getCaCert());
            char[] password = tls.getKeyPassword().orElse(null);
            MtlsContext server = MtlsContext.forServer(Identity.fromPem(tls.getServerCert(), tls.getServerKey(), password))
                    .trust(trust)
                    .protocols(tls.getProtocols())
                    .build();
            MtlsContext client = MtlsContext.forClient(Identity.fromPem(tls.getClientCert(), tls.getClientKey(), password))
                    .trust(trust)
                    .protocols(tls.getProtocols())
                    .build();
            return new TlsMaterial(server, client);
        } catch (TlsException e) {
            throw e.file().flatMap(tls::settingFor).map(e::withSetting).orElse(e);
        }
    }

    MtlsContext server() {
        return server;
    }

    MtlsContext client() {
        return client;
    }
}
