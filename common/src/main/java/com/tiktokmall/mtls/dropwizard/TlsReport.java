package com.tiktokmall.mtls.dropwizard;

import com.tiktokmall.mtls.Identity;
import com.tiktokmall.mtls.MtlsContext;
import com.tiktokmall.mtls.Pem;
import com.tiktokmall.mtls.SpiffeId;
import com.tiktokmall.mtls.TlsException;
import com.tiktokmall.mtls.TrustBundle;
import com.tiktokmall.mtls.internal.Certificates;
import com.tiktokmall.mtls.internal.Keys;

import java.io.PrintStream;
import java.nio.file.Path;
import java.security.cert.X509CRL;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * What check-tls prints about each file of the tls block: subject, SANs, issuer, validity and
 * days left, key type, EKU, key match, and whether the pair works in its role (valid now, leads to
 * ca_cert, EKU fits). Problems are printed, not thrown: the verdict comes from
 * {@link TlsMaterial#load}, the very check start-up makes.
 */
final class TlsReport {
    private final PrintStream out;
    private final Instant now = Instant.now();

    TlsReport(PrintStream out) {
        this.out = out;
    }

    void print(TlsConfiguration tls) {
        TrustBundle cas = section("tls.ca_cert", tls.getCaCert(), () -> {
            TrustBundle bundle = TrustBundle.fromPem(tls.getCaCert());
            bundle.certificates().forEach(ca -> line("CA", Certificates.name(ca) + ", " + Keys.describe(ca.getPublicKey())
                    + ", valid " + Certificates.validity(ca, now)));
            return bundle;
        });
        TrustBundle trust = cas;
        if (tls.getCrl().isPresent()) {
            trust = section("tls.crl", tls.getCrl().get(), () -> crls(tls.getCrl().get(), cas));
        }
        identity(MtlsContext::forServer, "server", tls.getServerCert(), tls.getServerKey(), tls, trust);
        identity(MtlsContext::forClient, "client", tls.getClientCert(), tls.getClientKey(), tls, trust);
    }

    private void identity(Function<Identity, MtlsContext.Builder> role, String name, Path certFile, Path keyFile,
                          TlsConfiguration tls, TrustBundle trust) {
        section("tls." + name + "_cert", certFile, () -> {
            X509Certificate leaf = Pem.certificates(certFile).get(0);
            line("subject", leaf.getSubjectX500Principal().getName());
            line("SANs", String.join(", ", Certificates.subjectAltNames(leaf)));
            line("identity", identityOf(leaf, tls.getTrustDomain()));
            line("issuer", leaf.getIssuerX500Principal().getName());
            line("valid", Certificates.validity(leaf, now));
            line("key", Keys.describe(leaf.getPublicKey()));
            line("EKU", Certificates.extendedKeyUsage(leaf));
            return leaf;
        });
        Identity identity = section("tls." + name + "_key", keyFile, () -> {
            Identity loaded = Identity.fromPem(certFile, keyFile, tls.getKeyPassword().orElse(null));
            line("key", Keys.describe(loaded.privateKey()) + ", matches " + certFile);
            return loaded;
        });
        if (identity != null && trust != null) {
            section("as " + name, certFile, () -> {
                TlsMaterial.context(role, name, certFile, keyFile, tls, trust);
                line("OK", "valid now, leads to a CA in " + tls.getCaCert() + ", EKU fits the " + name + " role");
                return identity;
            });
        }
    }

    private TrustBundle crls(Path crlFile, TrustBundle cas) {
        for (X509CRL crl : Pem.crls(crlFile)) {
            int revoked = crl.getRevokedCertificates() == null ? 0 : crl.getRevokedCertificates().size();
            line("CRL", "of " + crl.getIssuerX500Principal().getName() + ", " + revoked + " revoked, next update "
                    + (crl.getNextUpdate() == null ? "not set" : crl.getNextUpdate().toInstant()));
        }
        return cas == null ? null : cas.withCrls(crlFile);
    }

    /** The SPIFFE ID peers will see, or why there is none. */
    static String identityOf(X509Certificate certificate, String trustDomain) {
        return SpiffeId.fromCertificate(certificate, trustDomain).map(Object::toString)
                .orElse("none: no single spiffe://" + trustDomain + "/... URI SAN, so peers grant it no role");
    }

    private <T> T section(String title, Path file, Supplier<T> check) {
        out.printf("%s  %s%n", title, file);
        try {
            return check.get();
        } catch (TlsException e) {
            line("PROBLEM", e.problem());
            return null;
        }
    }

    private void line(String label, String value) {
        out.printf("    %-8s %s%n", label, value);
    }
}
