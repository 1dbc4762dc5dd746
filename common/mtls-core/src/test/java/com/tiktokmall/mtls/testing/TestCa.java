package com.tiktokmall.mtls.testing;

import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.asn1.x509.CRLReason;
import org.bouncycastle.cert.X509v2CRLBuilder;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CRLConverter;
import org.bouncycastle.cert.jcajce.JcaX509v2CRLBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

import java.math.BigInteger;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.cert.X509CRL;
import java.security.cert.X509Certificate;
import java.security.interfaces.RSAKey;
import java.security.spec.AlgorithmParameterSpec;
import java.security.spec.ECGenParameterSpec;
import java.security.spec.RSAKeyGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;

/**
 * A certificate authority made at test time with Bouncy Castle: issues leaf certificates of
 * every kind the tests need (good, expired, wrong EKU, no SAN, RSA...) and intermediate CAs.
 * Nothing it makes is ever written to the repository.
 *
 * <pre>{@code
 * TestCa ca = TestCa.create("Test CA");
 * TestCert auth = ca.leaf("auth").issue();                 // like scripts/generate_certs.sh
 * TestCert old = ca.leaf("order").expired().issue();
 * }</pre>
 */
public final class TestCa {
    private static final SecureRandom RANDOM = new SecureRandom();

    private final X509Certificate certificate;
    private final KeyPair keyPair;
    private final List<X509Certificate> chain;

    private TestCa(X509Certificate certificate, KeyPair keyPair, List<X509Certificate> chain) {
        this.certificate = certificate;
        this.keyPair = keyPair;
        this.chain = List.copyOf(chain);
    }

    /** A self-signed EC P-256 root CA, valid from a day ago for a year. */
    public static TestCa create(String name) {
        return withSubject("CN=" + name);
    }

    /** As {@link #create}, with a whole subject DN such as "CN=Root,OU=Payments,O=TikTokMall". */
    public static TestCa withSubject(String subject) {
        KeyPair keyPair = KeyPairs.ec("secp256r1");
        Instant now = Instant.now();
        X509Certificate certificate = sign(keyPair.getPrivate(), new JcaX509v3CertificateBuilder(
                new X500Name(subject), serial(), Date.from(now.minus(Duration.ofDays(1))),
                Date.from(now.plus(Duration.ofDays(365))), new X500Name(subject), keyPair.getPublic()), true, keyPair);
        return new TestCa(certificate, keyPair, List.of(certificate));
    }

    /** An intermediate CA signed by this one. Its {@link #chain()} ends with this CA. */
    public TestCa intermediate(String name) {
        KeyPair intermediateKeys = KeyPairs.ec("secp256r1");
        Instant now = Instant.now();
        X509Certificate issued = sign(keyPair.getPrivate(), new JcaX509v3CertificateBuilder(
                certificate, serial(), Date.from(now.minus(Duration.ofHours(12))),
                Date.from(now.plus(Duration.ofDays(180))), new X500Name("CN=" + name), intermediateKeys.getPublic()),
                true, intermediateKeys);
        List<X509Certificate> intermediateChain = new ArrayList<>();
        intermediateChain.add(issued);
        intermediateChain.addAll(chain);
        return new TestCa(issued, intermediateKeys, intermediateChain);
    }

    /** Starts a leaf for {@code service} with the defaults of scripts/generate_certs.sh. */
    public LeafBuilder leaf(String service) {
        return new LeafBuilder(this, service);
    }

    public X509Certificate certificate() {
        return certificate;
    }

    /** A CRL of this CA revoking {@code revoked}, valid for a week. */
    public X509CRL crl(X509Certificate... revoked) {
        return crl(Instant.now().plus(Duration.ofDays(7)), revoked);
    }

    /** A CRL of this CA revoking {@code revoked}, whose next update is due at {@code nextUpdate}. */
    public X509CRL crl(Instant nextUpdate, X509Certificate... revoked) {
        Instant now = Instant.now();
        X509v2CRLBuilder builder = new JcaX509v2CRLBuilder(certificate, Date.from(now.minus(Duration.ofMinutes(1))));
        builder.setNextUpdate(Date.from(nextUpdate));
        for (X509Certificate certificate : revoked) {
            builder.addCRLEntry(certificate.getSerialNumber(), Date.from(now.minus(Duration.ofMinutes(1))),
                    CRLReason.keyCompromise);
        }
        try {
            return new JcaX509CRLConverter().getCRL(builder.build(
                    new JcaContentSignerBuilder(signatureAlgorithm(keyPair.getPrivate())).build(keyPair.getPrivate())));
        } catch (OperatorCreationException | java.security.cert.CRLException e) {
            throw new IllegalStateException("cannot sign a test CRL", e);
        }
    }

    public PrivateKey privateKey() {
        return keyPair.getPrivate();
    }

    /** This CA, followed by its issuers up to the root. */
    public List<X509Certificate> chain() {
        return chain;
    }

    static BigInteger serial() {
        return new BigInteger(63, RANDOM).add(BigInteger.ONE);
    }

    static X509Certificate sign(PrivateKey issuerKey, X509v3CertificateBuilder builder, boolean ca, KeyPair subject) {
        try {
            JcaX509ExtensionUtils extensions = new JcaX509ExtensionUtils();
            builder.addExtension(Extension.subjectKeyIdentifier, false,
                    extensions.createSubjectKeyIdentifier(subject.getPublic()));
            if (ca) {
                builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(true));
                builder.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign));
            }
            return new JcaX509CertificateConverter().getCertificate(
                    builder.build(new JcaContentSignerBuilder(signatureAlgorithm(issuerKey)).build(issuerKey)));
        } catch (GeneralSecurityException | OperatorCreationException | java.io.IOException e) {
            throw new IllegalStateException("cannot sign a test certificate", e);
        }
    }

    static String signatureAlgorithm(PrivateKey key) {
        return key instanceof RSAKey ? "SHA256withRSA" : "SHA256withECDSA";
    }

    /** Key pair generation for tests. */
    static final class KeyPairs {
        private KeyPairs() {
        }

        static KeyPair ec(String curve) {
            return generate("EC", new ECGenParameterSpec(curve));
        }

        static KeyPair rsa(int bits) {
            return generate("RSA", new RSAKeyGenParameterSpec(bits, RSAKeyGenParameterSpec.F4));
        }

        static KeyPair generate(String algorithm, AlgorithmParameterSpec parameters) {
            try {
                KeyPairGenerator generator = KeyPairGenerator.getInstance(algorithm);
                if (parameters != null) {
                    generator.initialize(parameters);
                }
                return generator.generateKeyPair();
            } catch (GeneralSecurityException e) {
                throw new IllegalStateException(e);
            }
        }
    }
}
