package com.tiktokmall.mtls;

import com.tiktokmall.mtls.testing.TestCa;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.junit.jupiter.api.Test;

import java.math.BigInteger;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;

import static org.assertj.core.api.Assertions.assertThat;

/** The facts check-tls and the refusal messages state about a certificate. */
class CertificatesTest {
    private static final TestCa CA = TestCa.create("Facts CA");

    @Test
    void namesExtendedKeyUsagesOrSaysThereAreNone() {
        assertThat(Certificates.extendedKeyUsage(CA.leaf("auth").issue().certificate())).isEqualTo("serverAuth, clientAuth");
        assertThat(Certificates.extendedKeyUsage(CA.leaf("auth").clientAuthOnly().issue().certificate())).isEqualTo("clientAuth");
        assertThat(Certificates.extendedKeyUsage(CA.leaf("auth").noExtendedKeyUsage().issue().certificate()))
                .isEqualTo("any (no extendedKeyUsage extension)");
    }

    @Test
    void statesValidityWithDaysLeftExpiryOrNotYet() {
        Instant notBefore = Instant.parse("2026-01-01T00:00:00Z");
        Instant notAfter = Instant.parse("2026-03-01T00:00:00Z");
        X509Certificate certificate = CA.leaf("auth").validity(notBefore, notAfter).issue().certificate();
        String dates = "2026-01-01T00:00:00Z to 2026-03-01T00:00:00Z";

        assertThat(Certificates.validity(certificate, notAfter.minus(Duration.ofDays(10)).minusSeconds(1)))
                .isEqualTo(dates + " (10 days left)");
        assertThat(Certificates.validity(certificate, notAfter.plus(Duration.ofDays(3)).plusSeconds(1)))
                .isEqualTo(dates + " (expired 3 days ago)");
        assertThat(Certificates.validity(certificate, notBefore.minusSeconds(1))).isEqualTo(dates + " (not valid yet)");
    }

    @Test
    void allowsAPurposeListedOrWhenNoneIsListed() {
        assertThat(Certificates.allowsPurpose(CA.leaf("auth").serverAuthOnly().issue().certificate(),
                Certificates.CLIENT_AUTH)).isFalse();
        assertThat(Certificates.allowsPurpose(CA.leaf("auth").serverAuthOnly().issue().certificate(),
                Certificates.SERVER_AUTH)).isTrue();
        assertThat(Certificates.allowsPurpose(CA.leaf("auth").noExtendedKeyUsage().issue().certificate(),
                Certificates.CLIENT_AUTH)).isTrue();
    }

    @Test
    void tellsCasFromLeaves() throws Exception {
        assertThat(Certificates.isCa(CA.certificate())).isTrue();
        assertThat(Certificates.isCa(CA.leaf("auth").issue().certificate())).isFalse();
        assertThat(Certificates.isCa(issuingCaWithPathLengthZero())).isTrue();
    }

    @Test
    void namesByCommonNameOrWholeSubjectAndListsUris() {
        X509Certificate certificate = CA.leaf("auth").issue().certificate();

        assertThat(Certificates.name(certificate)).isEqualTo("'auth'");
        assertThat(Certificates.issuerName(certificate)).isEqualTo("'Facts CA'");
        assertThat(Certificates.uriSans(certificate)).containsExactly("spiffe://tiktokmall.local/auth");
    }

    /** An issuing CA as many PKIs make them: it may sign leaves but no further CAs (pathlen:0). */
    private static X509Certificate issuingCaWithPathLengthZero() throws Exception {
        KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
        generator.initialize(new ECGenParameterSpec("secp256r1"));
        KeyPair keys = generator.generateKeyPair();
        Instant now = Instant.now();
        X509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(new X500Name("CN=Issuing CA"), BigInteger.ONE,
                Date.from(now.minus(Duration.ofHours(1))), Date.from(now.plus(Duration.ofDays(1))),
                new X500Name("CN=Issuing CA"), keys.getPublic());
        builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(0));
        X509Certificate ca = new JcaX509CertificateConverter().getCertificate(
                builder.build(new JcaContentSignerBuilder("SHA256withECDSA").build(keys.getPrivate())));
        assertThat(ca.getBasicConstraints()).isZero();
        return ca;
    }
}
