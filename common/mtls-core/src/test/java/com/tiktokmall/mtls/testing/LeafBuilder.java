package com.tiktokmall.mtls.testing;

import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;

import java.security.KeyPair;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.function.Supplier;

/** Options of a leaf certificate; the defaults match what scripts/generate_certs.sh issues. */
public final class LeafBuilder {
    public static final String TRUST_DOMAIN = "tiktokmall.local";

    private final TestCa ca;
    private final String service;
    private List<String> sans;
    private List<KeyPurposeId> purposes = List.of(KeyPurposeId.id_kp_serverAuth, KeyPurposeId.id_kp_clientAuth);
    private Instant notBefore = Instant.now().minus(Duration.ofHours(1));
    private Instant notAfter = Instant.now().plus(Duration.ofDays(30));
    private Supplier<KeyPair> keys = () -> TestCa.KeyPairs.ec("secp256r1");
    private String subject;
    private boolean criticalSans;
    private boolean authorityKeyIdentifier = true;

    LeafBuilder(TestCa ca, String service) {
        this.ca = ca;
        this.service = service;
        this.sans = List.of("DNS:" + service, "DNS:localhost", "IP:127.0.0.1",
                "URI:spiffe://" + TRUST_DOMAIN + "/" + service);
        this.subject = "CN=" + service;
    }

    /**
     * An X.509-SVID as SPIRE and csi-driver-spiffe issue it: an empty subject, and one URI SAN
     * {@code spiffe://tiktokmall.local/<service>} in a critical extension (no DNS or IP SAN).
     */
    public LeafBuilder svid() {
        this.sans = List.of("URI:spiffe://" + TRUST_DOMAIN + "/" + service);
        this.subject = "";
        this.criticalSans = true;
        return this;
    }

    /** No authority key identifier, as some issuers leave it out: the issuer is then found by name only. */
    public LeafBuilder withoutAuthorityKeyIdentifier() {
        this.authorityKeyIdentifier = false;
        return this;
    }

    /** The subject DN, e.g. "CN=evil\nforged"; default "CN=<service>". */
    public LeafBuilder subject(String subject) {
        this.subject = subject;
        return this;
    }

    /** Replaces the subject alternative names; each is "DNS:name", "IP:address" or "URI:uri". */
    public LeafBuilder sans(String... sans) {
        this.sans = List.of(sans);
        return this;
    }

    /** A certificate whose validity ended an hour ago. */
    public LeafBuilder expired() {
        return validity(Instant.now().minus(Duration.ofDays(2)), Instant.now().minus(Duration.ofHours(1)));
    }

    /** A certificate that becomes valid tomorrow. */
    public LeafBuilder notYetValid() {
        return validity(Instant.now().plus(Duration.ofDays(1)), Instant.now().plus(Duration.ofDays(31)));
    }

    public LeafBuilder validity(Instant notBefore, Instant notAfter) {
        this.notBefore = notBefore;
        this.notAfter = notAfter;
        return this;
    }

    /** Only the serverAuth extended key usage. */
    public LeafBuilder serverAuthOnly() {
        this.purposes = List.of(KeyPurposeId.id_kp_serverAuth);
        return this;
    }

    /** Only the clientAuth extended key usage. */
    public LeafBuilder clientAuthOnly() {
        this.purposes = List.of(KeyPurposeId.id_kp_clientAuth);
        return this;
    }

    /** No extended key usage extension at all (then any purpose is allowed). */
    public LeafBuilder noExtendedKeyUsage() {
        this.purposes = List.of();
        return this;
    }

    public LeafBuilder rsa(int bits) {
        this.keys = () -> TestCa.KeyPairs.rsa(bits);
        return this;
    }

    /** An EC key on the named curve, e.g. "secp384r1". */
    public LeafBuilder ec(String curve) {
        this.keys = () -> TestCa.KeyPairs.ec(curve);
        return this;
    }

    /** An Ed25519 key: a type TLS here does not support. */
    public LeafBuilder ed25519() {
        this.keys = () -> TestCa.KeyPairs.generate("Ed25519", null);
        return this;
    }

    public TestCert issue() {
        KeyPair keyPair = keys.get();
        X509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(ca.certificate(), TestCa.serial(),
                Date.from(notBefore), Date.from(notAfter), new X500Name(subject), keyPair.getPublic());
        try {
            builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
            if (authorityKeyIdentifier) { // keyid, as scripts/generate_certs.sh writes it
                builder.addExtension(Extension.authorityKeyIdentifier, false,
                        new JcaX509ExtensionUtils().createAuthorityKeyIdentifier(ca.certificate().getPublicKey()));
            }
            builder.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature
                    | (keyPair.getPublic().getAlgorithm().equals("RSA") ? KeyUsage.keyEncipherment : 0)));
            if (!purposes.isEmpty()) {
                builder.addExtension(Extension.extendedKeyUsage, false,
                        new ExtendedKeyUsage(purposes.toArray(KeyPurposeId[]::new)));
            }
            if (!sans.isEmpty()) {
                builder.addExtension(Extension.subjectAlternativeName, criticalSans, generalNames());
            }
        } catch (java.io.IOException | java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
        X509Certificate certificate = TestCa.sign(ca.privateKey(), builder, false, keyPair);
        List<X509Certificate> chain = new ArrayList<>();
        chain.add(certificate);
        chain.addAll(ca.chain().subList(0, ca.chain().size() - 1));
        return new TestCert(chain, keyPair.getPrivate());
    }

    private GeneralNames generalNames() {
        return new GeneralNames(sans.stream().map(san -> {
            String value = san.substring(san.indexOf(':') + 1);
            return switch (san.substring(0, san.indexOf(':'))) {
                case "DNS" -> new GeneralName(GeneralName.dNSName, value);
                case "IP" -> new GeneralName(GeneralName.iPAddress, value);
                case "URI" -> new GeneralName(GeneralName.uniformResourceIdentifier, value);
                default -> throw new IllegalArgumentException("unknown SAN type in " + san);
            };
        }).toArray(GeneralName[]::new));
    }
}
