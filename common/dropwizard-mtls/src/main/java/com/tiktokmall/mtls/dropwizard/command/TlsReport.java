package com.tiktokmall.mtls.dropwizard.command;

import com.tiktokmall.mtls.Identity;
import com.tiktokmall.mtls.MtlsContext.Role;
import com.tiktokmall.mtls.SpiffeId;
import com.tiktokmall.mtls.TrustBundle;
import com.tiktokmall.mtls.Certificates;
import com.tiktokmall.mtls.source.TlsInspection.Outcome;
import com.tiktokmall.mtls.source.TlsInspection;
import com.tiktokmall.mtls.source.TlsMaterial;
import com.tiktokmall.mtls.source.TlsSource;
import com.tiktokmall.mtls.spiffe.WorkloadApiSource;

import java.io.PrintStream;
import java.security.cert.X509CRL;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.Locale;
import java.util.function.Consumer;

/**
 * What check-tls prints about each setting of the tls block: subject, SANs, issuer, validity and
 * days left, key type, EKU, key match, and whether the pair works in its role (valid now, leads to
 * ca_cert, EKU fits). Every outcome comes from one {@link TlsInspection}, the very check start-up
 * makes; problems are printed, not thrown.
 */
final class TlsReport {
    private final PrintStream out;
    private final String trustDomain;
    private final Instant now;

    TlsReport(PrintStream out, String trustDomain, Instant now) {
        this.out = out;
        this.trustDomain = trustDomain;
        this.now = now;
    }

    void print(TlsInspection inspection) {
        section(inspection.caCert(), this::cas);
        inspection.crl().ifPresent(crl -> section(crl, bundle -> bundle.crls().forEach(this::crl)));
        for (Role role : inspection.roles()) {
            section(inspection.cert(role), chain -> leaf(chain.get(0)));
            section(inspection.identity(role), identity -> line("key", Certificates.describe(identity.privateKey())
                    + ", matches " + identity.certFile().map(Object::toString).orElse("the certificate")));
            String name = role.name().toLowerCase(Locale.ROOT);
            Outcome<?> context = inspection.context(role);
            if (!context.skipped()) {
                out.printf("as %s  %s%n", name, context.file());
                context.problem().ifPresentOrElse(problem -> line("PROBLEM", problem.problem()),
                        () -> line("OK", "valid now, leads to a CA in " + inspection.caCert().file()
                                + ", EKU fits the " + name + " role"));
            }
        }
    }

    /**
     * The SVID and bundle a source other than files gave (the Workload API), already checked as
     * start-up checks them (a problem would have been thrown instead).
     */
    void print(TlsSource source, TlsMaterial material) {
        Identity svid = material.server().identity();
        out.printf("tls.source  %s%n", source instanceof WorkloadApiSource api
                ? "the Workload API at " + api.socket() : source.getClass().getSimpleName());
        out.printf("SVID%n");
        leaf(svid.certificate());
        line("serial", svid.certificate().getSerialNumber().toString(16));
        for (X509Certificate intermediate : svid.chain().subList(1, svid.chain().size())) {
            line("chain", Certificates.name(intermediate) + ", valid " + Certificates.validity(intermediate, now));
        }
        line("key", Certificates.describe(svid.privateKey()) + ", matches the SVID");
        out.printf("bundle of %s%n", trustDomain);
        cas(material.trust());
        material.trust().crls().forEach(this::crl);
        for (Role role : Role.values()) {
            out.printf("as %s  the SVID%n", role.name().toLowerCase(Locale.ROOT));
            line("OK", "valid now, leads to a CA of the bundle, EKU fits the " + role.name().toLowerCase(Locale.ROOT)
                    + " role");
        }
    }

    /** The SPIFFE ID peers will see, or why there is none. */
    static String identityOf(X509Certificate certificate, String trustDomain) {
        return SpiffeId.fromCertificate(certificate, trustDomain).map(Object::toString)
                .orElse("none: no single spiffe://" + trustDomain + "/... URI SAN, so peers grant it no role");
    }

    private <T> void section(Outcome<T> outcome, Consumer<T> details) {
        if (outcome.skipped()) {
            return;
        }
        out.printf("%s  %s%n", outcome.setting(), outcome.file());
        outcome.value().ifPresent(details);
        outcome.problem().ifPresent(problem -> line("PROBLEM", problem.problem()));
    }

    private void cas(TrustBundle bundle) {
        bundle.certificates().forEach(ca -> line("CA", Certificates.name(ca) + ", " + Certificates.describe(ca.getPublicKey())
                + ", valid " + Certificates.validity(ca, now)));
    }

    private void crl(X509CRL crl) {
        int revoked = crl.getRevokedCertificates() == null ? 0 : crl.getRevokedCertificates().size();
        line("CRL", "of " + crl.getIssuerX500Principal().getName() + ", " + revoked + " revoked, next update "
                + (crl.getNextUpdate() == null ? "not set" : crl.getNextUpdate().toInstant()));
    }

    private void leaf(X509Certificate leaf) {
        line("subject", Certificates.subject(leaf));
        line("SANs", String.join(", ", Certificates.subjectAltNames(leaf)));
        line("identity", identityOf(leaf, trustDomain));
        line("issuer", leaf.getIssuerX500Principal().getName());
        line("valid", Certificates.validity(leaf, now));
        line("key", Certificates.describe(leaf.getPublicKey()));
        line("EKU", Certificates.extendedKeyUsage(leaf));
    }

    private void line(String label, String value) {
        out.printf("    %-8s %s%n", label, value);
    }
}
