package com.tiktokmall.mtls.dropwizard;

import com.tiktokmall.mtls.Identity;
import com.tiktokmall.mtls.MtlsContext;
import com.tiktokmall.mtls.TlsException;
import com.tiktokmall.mtls.TrustBundle;
import com.tiktokmall.mtls.internal.Certificates;

import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.function.Supplier;

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
        TrustBundle cas = attributed("tls.ca_cert", () -> TrustBundle.fromPem(tls.getCaCert()));
        TrustBundle trust = tls.getCrl().map(crl -> attributed("tls.crl", () -> cas.withCrls(crl))).orElse(cas);
        return new TlsMaterial(
                context(MtlsContext::forServer, "server", tls.getServerCert(), tls.getServerKey(), tls, trust),
                context(MtlsContext::forClient, "client", tls.getClientCert(), tls.getClientKey(), tls, trust));
    }

    /** One role's context; a failure names the setting of the file at fault (both, when they name one file). */
    static MtlsContext context(Function<Identity, MtlsContext.Builder> role, String name, Path certFile, Path keyFile,
                               TlsConfiguration tls, TrustBundle trust) {
        String certSetting = "tls." + name + "_cert";
        String keySetting = "tls." + name + "_key";
        Identity identity;
        try {
            identity = Identity.fromPem(certFile, keyFile, tls.getKeyPassword().orElse(null));
        } catch (TlsException e) {
            throw e.withSetting(certFile.equals(keyFile) ? certSetting + " and " + keySetting
                    : e.file().filter(certFile::equals).isPresent() ? certSetting : keySetting);
        }
        return attributed(certSetting, () -> role.apply(identity).trust(trust).protocols(tls.getProtocols())
                .provider(tls.getProvider().provider()).build());
    }

    MtlsContext server() {
        return server;
    }

    MtlsContext client() {
        return client;
    }

    /** Every certificate in use, by the setting it comes from: server_cert, client_cert, ca_cert. */
    Map<String, List<X509Certificate>> certificates() {
        Map<String, List<X509Certificate>> certificates = new LinkedHashMap<>();
        certificates.put("server_cert", List.of(server.identity().certificate()));
        certificates.put("client_cert", List.of(client.identity().certificate()));
        certificates.put("ca_cert", server.trust().certificates());
        return certificates;
    }

    @Override
    public String toString() {
        return "server " + describe(server.identity().certificate()) + ", client " + describe(client.identity().certificate())
                + ", trusting " + server.trust().describe()
                + (server.trust().crls().isEmpty() ? "" : " with " + server.trust().crls().size() + " CRLs");
    }

    private static String describe(X509Certificate certificate) {
        return Certificates.name(certificate) + " serial " + certificate.getSerialNumber().toString(16);
    }

    private static <T> T attributed(String setting, Supplier<T> step) {
        try {
            return step.get();
        } catch (TlsException e) {
            throw e.withSetting(setting);
        }
    }
}
