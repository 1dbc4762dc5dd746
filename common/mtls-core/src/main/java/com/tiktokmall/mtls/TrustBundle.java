package com.tiktokmall.mtls;


import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.cert.CertPathValidator;
import java.security.cert.CertPathValidatorException;
import java.security.cert.CertStore;
import java.security.cert.CertificateFactory;
import java.security.cert.CollectionCertStoreParameters;
import java.security.cert.PKIXBuilderParameters;
import java.security.cert.PKIXReason;
import java.security.cert.PKIXRevocationChecker;
import java.security.cert.TrustAnchor;
import java.security.cert.X509CRL;
import java.security.cert.X509CertSelector;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Instant;
import java.util.Date;
import java.util.EnumSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import javax.net.ssl.CertPathTrustManagerParameters;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509ExtendedTrustManager;

/**
 * The CAs trusted to vouch for peers: exactly the certificates of one PEM bundle, never the
 * JVM's default {@code cacerts}.
 *
 * <pre>{@code
 * TrustBundle trust = TrustBundle.fromPem(Path.of("certs/ca-cert.pem"));
 * }</pre>
 *
 * <p>A bundle may hold several CAs (during a CA rotation it holds the old and the new one). Every
 * certificate in it must be a CA certificate. Instances are immutable.
 */
public final class TrustBundle {
    /**
     * The most CAs a bundle may hold. A TLS 1.2 server names every CA it trusts in its
     * CertificateRequest, whose list has a 16-bit length; and JDK clients refuse handshake
     * messages over 32 KiB by default. Past that, every TLS 1.2 handshake fails.
     */
    public static final int MAX_CAS = 100;
    /** The most bytes the CAs' names may take in that list: half of the JDK's 32 KiB, for safety. */
    public static final int MAX_CA_NAME_BYTES = 16 * 1024;

    private final List<X509Certificate> certificates;
    private final Path file;
    private final List<X509CRL> crls;
    private final Path crlFile;
    private final Set<TrustAnchor> anchors;
    private final X509ExtendedTrustManager pkix;
    private final X509ExtendedTrustManager trustManager;

    private TrustBundle(List<X509Certificate> certificates, Path file, List<X509CRL> crls, Path crlFile, Instant now) {
        this.certificates = List.copyOf(certificates);
        this.file = file;
        this.crls = List.copyOf(crls);
        this.crlFile = crlFile;
        requireCas();
        requireFewEnoughCas();
        requireCurrentCrlPerCa(now);
        this.anchors = certificates.stream().map(ca -> new TrustAnchor(ca, null)).collect(Collectors.toUnmodifiableSet());
        this.pkix = pkixTrustManager();
        this.trustManager = new DiagnosingTrustManager(pkix, this, Clock.systemUTC());
    }

    /** Reads one or more CA certificates from a PEM file. */
    public static TrustBundle fromPem(Path caFile) {
        return new TrustBundle(Pem.certificates(caFile), caFile, List.of(), null, null);
    }

    /** A bundle of CA certificates already in memory. */
    public static TrustBundle of(List<X509Certificate> caCertificates) {
        if (caCertificates.isEmpty()) {
            throw TlsException.invalid("a trust bundle needs at least one CA certificate", null);
        }
        return new TrustBundle(caCertificates, null, List.of(), null, null);
    }

    /**
     * This bundle, refusing certificates that the CRLs in {@code crlFile} revoke. Revocation is
     * then checked strictly: every CA of the bundle needs a current CRL in the file (an empty one
     * will do), or a certificate it issued could never be checked.
     */
    public TrustBundle withCrls(Path crlFile) {
        return withCrls(crlFile, Clock.systemUTC());
    }

    /** As {@link #withCrls(Path)}, with {@code clock} saying whether each CRL is still current. */
    public TrustBundle withCrls(Path crlFile, Clock clock) {
        return new TrustBundle(certificates, file, Pem.crls(crlFile), crlFile, clock.instant());
    }

    /** The CRLs checked for revocation; empty when revocation is not checked. */
    public List<X509CRL> crls() {
        return crls;
    }

    /** The trusted CA certificates. */
    public List<X509Certificate> certificates() {
        return certificates;
    }

    /** The PEM file the bundle came from, if any. */
    public Optional<Path> file() {
        return Optional.ofNullable(file);
    }

    /**
     * Checks that {@code chain} (leaf first) leads to one of these CAs and is valid at {@code at}.
     *
     * @param chainFile the file the chain came from, named in the exception
     * @throws TlsException saying why the chain is not trusted
     */
    public void verify(List<X509Certificate> chain, Instant at, Path chainFile) {
        validate(chain, at).ifPresent(e -> {
            throw untrusted(chain.get(0), chainFile, e);
        });
    }

    /** Why {@code chain} does not lead to one of these CAs at {@code at} (or is revoked), if it does not. */
    Optional<CertPathValidatorException> validate(List<X509Certificate> chain, Instant at) {
        try {
            List<X509Certificate> path = chain.stream().filter(c -> !certificates.contains(c)).toList();
            PKIXBuilderParameters parameters = parameters();
            parameters.setDate(Date.from(at));
            CertPathValidator.getInstance("PKIX")
                    .validate(CertificateFactory.getInstance("X.509").generateCertPath(path), parameters);
            return Optional.empty();
        } catch (CertPathValidatorException e) {
            return Optional.of(e);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("the JDK's PKIX validator is unavailable", e);
        }
    }

    /**
     * A trust manager whose only anchors are these CAs: the JDK's PKIX one, whose refusals are
     * rephrased to say why (expired, unknown issuer, missing key usage, wrong host name).
     */
    public X509ExtendedTrustManager trustManager() {
        return trustManager;
    }

    /** As {@link #trustManager()}, with {@code clock} deciding whether a peer's chain is valid now. */
    public X509ExtendedTrustManager trustManager(Clock clock) {
        return new DiagnosingTrustManager(pkix, this, clock);
    }

    /** The CA names, for messages: "'TikTokMall CA', 'New CA'". */
    public String describe() {
        return certificates.stream().map(Certificates::name).collect(Collectors.joining(", "));
    }

    @Override
    public String toString() {
        return "TrustBundle[" + describe() + "]";
    }

    /**
     * Why a certificate's issuer is not one of ours, for messages: "is issued by 'Other CA'", or,
     * when a CA of the same name is here, that it is another CA with that name.
     */
    String unknownIssuer(X509Certificate leaf) {
        boolean sameName = certificates.stream()
                .anyMatch(ca -> ca.getSubjectX500Principal().equals(leaf.getIssuerX500Principal()));
        return "is issued by " + Certificates.issuerName(leaf) + (sameName
                ? ", but not by the CA of that name in " + source() + " (same name, different key: was the CA made anew?)"
                : ", which is not a CA in " + source() + " (" + describe() + ")");
    }

    private TlsException untrusted(X509Certificate leaf, Path chainFile, CertPathValidatorException e) {
        if (e.getReason() == PKIXReason.NO_TRUST_ANCHOR || madeByAnotherKey(leaf, e)) {
            return TlsException.inFile(chainFile, "the certificate " + Certificates.name(leaf) + " " + unknownIssuer(leaf),
                    "issue the certificate from a CA in the bundle, or add its CA to the bundle");
        }
        if (e.getReason() == CertPathValidatorException.BasicReason.REVOKED) {
            return TlsException.inFile(chainFile, "the certificate " + Certificates.name(leaf) + " is revoked by "
                    + crlFile, "issue a new certificate");
        }
        return TlsException.inFile(chainFile, "the certificate " + Certificates.name(leaf) + " does not verify against "
                + source() + ": " + e.getMessage(), "re-issue it from a CA in the bundle", e);
    }

    /**
     * Whether a refusal is a bad signature by a CA of the issuer's name: without an authority key
     * identifier in the leaf, the JDK picks the anchor by name and reports the signature, when the
     * truth is that the leaf comes from another CA of that name.
     */
    boolean madeByAnotherKey(X509Certificate leaf, CertPathValidatorException refusal) {
        return refusal.getReason() == CertPathValidatorException.BasicReason.INVALID_SIGNATURE
                && certificates.stream().anyMatch(ca -> ca.getSubjectX500Principal().equals(leaf.getIssuerX500Principal()))
                && certificates.stream().noneMatch(ca -> signedBy(leaf, ca));
    }

    private static boolean signedBy(X509Certificate leaf, X509Certificate ca) {
        try {
            leaf.verify(ca.getPublicKey());
            return true;
        } catch (GeneralSecurityException e) {
            return false;
        }
    }

    private String source() {
        return file == null ? "the trust bundle" : file.toString();
    }

    private void requireCas() {
        for (X509Certificate certificate : certificates) {
            if (!Certificates.isCa(certificate)) {
                throw TlsException.inFile(file, "the certificate " + Certificates.name(certificate)
                        + " is not a CA certificate (basicConstraints CA:TRUE is missing)",
                        "put only CA certificates here, such as certs/ca-cert.pem");
            }
        }
    }

    private void requireFewEnoughCas() {
        if (certificates.size() > MAX_CAS) {
            throw TlsException.inFile(file, "the bundle holds " + certificates.size() + " CA certificates, more than "
                    + MAX_CAS + ": TLS 1.2 servers name every trusted CA in their handshake, which then no longer fits",
                    "keep only the CAs that issue certificates for your peers (during a rotation, the old and the new)");
        }
        int nameBytes = certificates.stream().mapToInt(ca -> 2 + ca.getSubjectX500Principal().getEncoded().length).sum();
        if (nameBytes > MAX_CA_NAME_BYTES) {
            throw TlsException.inFile(file, "the names of the bundle's " + certificates.size() + " CAs take " + nameBytes
                    + " bytes, more than " + MAX_CA_NAME_BYTES + ": TLS 1.2 servers send them all in their handshake,"
                    + " which JDK clients would refuse", "keep fewer CAs in the bundle");
        }
    }

    private X509ExtendedTrustManager pkixTrustManager() {
        try {
            TrustManagerFactory factory = TrustManagerFactory.getInstance("PKIX");
            factory.init(new CertPathTrustManagerParameters(parameters()));
            return (X509ExtendedTrustManager) factory.getTrustManagers()[0];
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("the JDK's PKIX trust manager is unavailable", e);
        }
    }

    /** PKIX over exactly these anchors; with CRLs, revocation from them alone (no network look-ups). */
    private PKIXBuilderParameters parameters() throws GeneralSecurityException {
        PKIXBuilderParameters parameters = new PKIXBuilderParameters(anchors, new X509CertSelector());
        parameters.setRevocationEnabled(false);
        if (!crls.isEmpty()) {
            parameters.addCertStore(CertStore.getInstance("Collection", new CollectionCertStoreParameters(crls)));
            PKIXRevocationChecker checker = (PKIXRevocationChecker) CertPathValidator.getInstance("PKIX")
                    .getRevocationChecker();
            checker.setOptions(EnumSet.of(PKIXRevocationChecker.Option.PREFER_CRLS,
                    PKIXRevocationChecker.Option.NO_FALLBACK));
            parameters.addCertPathChecker(checker);
        }
        return parameters;
    }

    private void requireCurrentCrlPerCa(Instant now) {
        if (crls.isEmpty()) {
            return;
        }
        for (X509Certificate ca : certificates) {
            X509CRL crl = crls.stream().filter(c -> signedBy(c, ca)).findFirst().orElseThrow(() -> TlsException.inFile(
                    crlFile, "the file holds no CRL signed by the CA " + Certificates.name(ca) + " of " + source()
                    + "; with a CRL set, every CA needs one", "add that CA's CRL (an empty one will do)"));
            if (crl.getNextUpdate() != null && crl.getNextUpdate().toInstant().isBefore(now)) {
                throw TlsException.inFile(crlFile, "the CRL of the CA " + Certificates.name(ca) + " is out of date since "
                        + crl.getNextUpdate().toInstant() + " (its nextUpdate)", "publish a fresh CRL from that CA");
            }
        }
    }

    private static boolean signedBy(X509CRL crl, X509Certificate ca) {
        if (!crl.getIssuerX500Principal().equals(ca.getSubjectX500Principal())) {
            return false;
        }
        try {
            crl.verify(ca.getPublicKey());
            return true;
        } catch (GeneralSecurityException e) {
            return false;
        }
    }
}
