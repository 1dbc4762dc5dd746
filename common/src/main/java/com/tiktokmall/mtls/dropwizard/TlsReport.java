package com.tiktokmall.mtls.dropwizard;

import com.tiktokmall.mtls.Identity;
import com.tiktokmall.mtls.Pem;
import com.tiktokmall.mtls.TlsException;
import com.tiktokmall.mtls.TrustBundle;
import com.tiktokmall.mtls.internal.Certificates;
import com.tiktokmall.mtls.internal.Keys;

import java.io.PrintStream;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.List;
import java.util.function.Supplier;

/**
 * What check-tls prints about each file of the tls block: subject, SANs, issuer, validity and
 * days left, key type, EKU, chain verification and key match. Problems are printed, not thrown:
 * the verdict comes from {@link TlsMaterial#load}, the very check start-up makes.
 */
final class TlsReport {
    private final PrintStream out;
    private final Instant now = Instant.now();

    TlsReport(PrintStream out) {
        this.out = out;
    }

    void print(TlsConfiguration tls) {
        TrustBundle trust = section("tls.ca_cert", tls.getCaCert(), () -> {
            TrustBundle bundle = TrustBundle.fromPem(tls.getCaCert());
            bundle.certificates().forEach(ca -> line("CA", Certificates.name(ca) + ", " + Keys.describe(ca.getPublicKey())
                    + ", valid " + Certificates.validity(ca, now)));
            return bundle;
        });
        char[] password = tls.getKeyPassword().orElse(null);
        identity("server", tls.getServerCert(), tls.getServerKey(), password, trust);
        identity("client", tls.getClientCert(), tls.getClientKey(), password, trust);
    }

    private void identity(String role, Path certFile, Path keyFile, char[] password, TrustBundle trust) {
        section("tls." + role + "_cert", certFile, () -> {
            List<X509Certificate> chain = Pem.certificates(certFile);
            X509Certificate leaf = chain.get(0);
            line("subject", leaf.getSubjectX500Principal().getName());
            line("SANs", String.join(", ", Certificates.subjectAltNames(leaf)));
            line("issuer", leaf.getIssuerX500Principal().getName());
            line("valid", Certificates.validity(leaf, now));
            line("key", Keys.describe(leaf.getPublicKey()));
            line("EKU", Certificates.extendedKeyUsage(leaf));
            if (trust != null) {
                trust.verify(chain, now, certFile);
                line("chain", "OK, leads to a CA in " + trust.file().orElseThrow());
            }
            return leaf;
        });
        section("tls." + role + "_key", keyFile, () -> {
            Identity identity = Identity.fromPem(certFile, keyFile, password);
            line("key", Keys.describe(identity.privateKey()) + ", matches " + certFile);
            return identity;
        });
    }

    private <T> T section(String setting, Path file, Supplier<T> check) {
        out.printf("%s  %s%n", setting, file);
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
