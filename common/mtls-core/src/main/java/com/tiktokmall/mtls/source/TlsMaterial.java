package com.tiktokmall.mtls.source;

import com.tiktokmall.mtls.Identity;
import com.tiktokmall.mtls.MtlsContext;
import com.tiktokmall.mtls.TrustBundle;
import com.tiktokmall.mtls.Certificates;
import com.tiktokmall.mtls.TlsOptions;

import java.security.cert.X509Certificate;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Everything a {@link TlsFiles} describes, loaded and checked as a whole: the server context every
 * connector uses and the client context every outgoing client uses (files that describe a client
 * only give no server context). Immutable; a reload builds a new one (see {@link TlsSource}).
 */
public final class TlsMaterial {
    private final MtlsContext server;
    private final MtlsContext client;

    TlsMaterial(MtlsContext server, MtlsContext client) {
        this.server = server;
        this.client = client;
    }

    /**
     * Reads and checks every file, at the time of the options' clock.
     *
     * @throws com.tiktokmall.mtls.TlsException the first problem, naming the setting and file at fault
     */
    public static TlsMaterial load(TlsFiles files, TlsOptions options) {
        return TlsInspection.of(files, options).material();
    }

    /**
     * One identity for both roles (an X.509-SVID) trusting {@code trust} with the CRLs of
     * {@code options} (read now, one current CRL per CA), checked as files are: valid now,
     * chained to the bundle, EKU fit for each role.
     *
     * @throws com.tiktokmall.mtls.TlsException the first problem
     */
    public static TlsMaterial of(Identity identity, TrustBundle trust, TlsOptions options) {
        TrustBundle revoking = options.crl().map(crl -> trust.withCrls(crl, options.clock())).orElse(trust);
        return new TlsMaterial(MtlsContext.forServer(identity).trust(revoking).options(options).build(),
                MtlsContext.forClient(identity).trust(revoking).options(options).build());
    }

    /** @throws IllegalStateException when the files described a client only */
    public MtlsContext server() {
        if (server == null) {
            throw new IllegalStateException("this material is a client's only: its files name no server_cert");
        }
        return server;
    }

    public MtlsContext client() {
        return client;
    }

    /** The CAs (and CRLs) that vouch for peers, the same for both roles. */
    public TrustBundle trust() {
        return client.trust();
    }

    /** Every certificate in use, by the setting it comes from: server_cert, client_cert, ca_cert. */
    public Map<String, List<X509Certificate>> certificates() {
        Map<String, List<X509Certificate>> certificates = new LinkedHashMap<>();
        if (server != null) {
            certificates.put("server_cert", List.of(server.identity().certificate()));
        }
        certificates.put("client_cert", List.of(client.identity().certificate()));
        certificates.put("ca_cert", trust().certificates());
        return certificates;
    }

    @Override
    public String toString() {
        return (server == null ? "" : "server " + describe(server.identity().certificate()) + ", ")
                + "client " + describe(client.identity().certificate())
                + ", trusting " + trust().describe()
                + (trust().crls().isEmpty() ? "" : " with " + trust().crls().size() + " CRLs");
    }

    private static String describe(X509Certificate certificate) {
        return Certificates.name(certificate) + " serial " + certificate.getSerialNumber().toString(16);
    }
}
