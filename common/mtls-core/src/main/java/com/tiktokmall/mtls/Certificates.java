package com.tiktokmall.mtls;

import org.bouncycastle.asn1.x500.RDN;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x500.style.BCStyle;
import org.bouncycastle.asn1.x500.style.IETFUtils;

import java.nio.file.Path;
import java.security.Key;
import java.security.cert.CertificateExpiredException;
import java.security.cert.CertificateNotYetValidException;
import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Date;
import java.util.List;
import javax.security.auth.x500.X500Principal;

/** Facts about one X.509 certificate, phrased for error messages and reports. */
public final class Certificates {
    public static final String SERVER_AUTH = "1.3.6.1.5.5.7.3.1";
    public static final String CLIENT_AUTH = "1.3.6.1.5.5.7.3.2";

    private static final String[] SAN_TYPES = {"other", "email", "DNS", "X400", "dir", "EDI", "URI", "IP", "RID"};

    private Certificates() {
    }

    /**
     * Text from a peer (certificate names, SANs, SNI, request paths) made safe for a log line or
     * an error body: control and line-separator characters become visible escapes ({@code \n},
     * {@code \u2028}), so a newline in a CN cannot forge a line.
     */
    public static String printable(String text) {
        return Printable.escape(text);
    }

    /** A key in words: "EC P-256", "RSA 2048", or its algorithm name. */
    public static String describe(Key key) {
        return Keys.describe(key);
    }

    /**
     * How messages name a certificate, quoted and with control characters escaped: the subject's
     * CN when it has one; else its single URI SAN, as a SPIFFE SVID without CN is known; else the
     * subject DN.
     */
    public static String name(X509Certificate certificate) {
        X500Principal subject = certificate.getSubjectX500Principal();
        String name = commonName(subject);
        if (name == null) {
            List<String> uris = uriSans(certificate);
            name = uris.size() == 1 ? uris.get(0) : subject.getName().isEmpty() ? "(empty subject)" : subject.getName();
        }
        return "'" + Printable.escape(name) + "'";
    }

    /** The issuer's CN when it has one, else the whole issuer DN. */
    public static String issuerName(X509Certificate certificate) {
        X500Principal issuer = certificate.getIssuerX500Principal();
        String name = commonName(issuer);
        return "'" + Printable.escape(name == null ? issuer.getName() : name) + "'";
    }

    /** The subject DN, for messages: control characters escaped, "(empty subject)" when empty. */
    public static String subject(X509Certificate certificate) {
        String subject = certificate.getSubjectX500Principal().getName();
        return subject.isEmpty() ? "(empty subject)" : Printable.escape(subject);
    }

    /** Subject alternative names as "DNS:localhost", "IP:127.0.0.1", "URI:spiffe://...". */
    public static List<String> subjectAltNames(X509Certificate certificate) {
        List<String> names = new ArrayList<>();
        try {
            Collection<List<?>> sans = certificate.getSubjectAlternativeNames();
            if (sans != null) {
                for (List<?> san : sans) {
                    int type = (Integer) san.get(0);
                    names.add(SAN_TYPES[type] + ":" + Printable.escape(String.valueOf(san.get(1))));
                }
            }
        } catch (CertificateParsingException e) {
            names.add("(unparsable: " + e.getMessage() + ")");
        }
        return names;
    }

    /** The URI SANs of a certificate. */
    public static List<String> uriSans(X509Certificate certificate) {
        return subjectAltNames(certificate).stream().filter(s -> s.startsWith("URI:")).map(s -> s.substring(4)).toList();
    }

    /** True when the certificate may be used for the purpose: no EKU extension, or one listing it. */
    public static boolean allowsPurpose(X509Certificate certificate, String ekuOid) {
        try {
            List<String> ekus = certificate.getExtendedKeyUsage();
            return ekus == null || ekus.contains(ekuOid) || ekus.contains("2.5.29.37.0");
        } catch (CertificateParsingException e) {
            return false;
        }
    }

    /** The extended key usages by name ("serverAuth", "clientAuth"), or "any" when the extension is absent. */
    public static String extendedKeyUsage(X509Certificate certificate) {
        try {
            List<String> ekus = certificate.getExtendedKeyUsage();
            if (ekus == null) {
                return "any (no extendedKeyUsage extension)";
            }
            return String.join(", ", ekus.stream().map(oid -> switch (oid) {
                case SERVER_AUTH -> "serverAuth";
                case CLIENT_AUTH -> "clientAuth";
                default -> oid;
            }).toList());
        } catch (CertificateParsingException e) {
            return "(unparsable)";
        }
    }

    /** "2026-11-28T04:13:16Z to 2027-02-26T04:13:16Z (89 days left)", or "... (expired 3 days ago)". */
    public static String validity(X509Certificate certificate, Instant now) {
        Instant notAfter = certificate.getNotAfter().toInstant();
        long days = Duration.between(now, notAfter).toDays();
        String left = now.isAfter(notAfter) ? "expired " + -days + " days ago"
                : now.isBefore(certificate.getNotBefore().toInstant()) ? "not valid yet" : days + " days left";
        return certificate.getNotBefore().toInstant() + " to " + notAfter + " (" + left + ")";
    }

    /** True for a CA certificate (basicConstraints CA:TRUE). */
    public static boolean isCa(X509Certificate certificate) {
        return certificate.getBasicConstraints() >= 0;
    }

    /** Throws unless the certificate is valid at {@code now}. */
    public static void requireValidAt(X509Certificate certificate, Instant now, Path file) {
        try {
            certificate.checkValidity(Date.from(now));
        } catch (CertificateExpiredException e) {
            throw TlsException.inFile(file, "the certificate " + name(certificate) + " expired at "
                    + certificate.getNotAfter().toInstant(), "issue a new certificate (scripts/generate_certs.sh)");
        } catch (CertificateNotYetValidException e) {
            throw TlsException.inFile(file, "the certificate " + name(certificate) + " is not valid before "
                    + certificate.getNotBefore().toInstant(), "check the clock of this machine and of the CA");
        }
    }

    private static String commonName(X500Principal principal) {
        RDN[] cns = X500Name.getInstance(principal.getEncoded()).getRDNs(BCStyle.CN);
        return cns.length == 0 ? null : IETFUtils.valueToString(cns[0].getFirst().getValue());
    }
}
