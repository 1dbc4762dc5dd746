package com.tiktokmall.mtls;

import com.tiktokmall.mtls.testing.TestCa;
import com.tiktokmall.mtls.testing.TestCert;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The rules of a trust bundle and its CRLs, without any server: what is trusted, refused, and said. */
class TrustBundleTest {
    private static final TestCa CA = TestCa.create("Bundle Test CA");
    private static final TestCa SECOND = TestCa.create("Second CA");

    @TempDir
    Path dir;

    @Test
    void aBundleHoldsOnlyCaCertificates() {
        X509Certificate leaf = CA.leaf("auth").issue().certificate();
        Path mixed = TestCert.writeCertificates(dir.resolve("mixed.pem"), CA.certificate(), leaf);

        assertThatThrownBy(() -> TrustBundle.of(List.of(leaf)))
                .isInstanceOf(TlsException.class)
                .hasMessageContaining("the certificate 'auth' is not a CA certificate (basicConstraints CA:TRUE is missing)");
        assertThatThrownBy(() -> TrustBundle.fromPem(mixed))
                .isInstanceOf(TlsException.class)
                .hasMessageStartingWith(mixed + ": the certificate 'auth' is not a CA certificate")
                .satisfies(e -> assertThat(((TlsException) e).file()).contains(mixed));
    }

    @Test
    void aBundleHoldsAtLeastOneCa() throws Exception {
        Path empty = Files.writeString(dir.resolve("empty.pem"), "");

        assertThatThrownBy(() -> TrustBundle.of(List.of()))
                .isInstanceOf(TlsException.class).hasMessageContaining("a trust bundle needs at least one CA certificate");
        assertThatThrownBy(() -> TrustBundle.fromPem(empty))
                .isInstanceOf(TlsException.class).hasMessageStartingWith(empty + ": the file is empty");
    }

    @Test
    void everyCaOfABundleIsTrustedAndNoOther() {
        Path both = TestCert.writeCertificates(dir.resolve("both.pem"), CA.certificate(), SECOND.certificate());
        TrustBundle bundle = TrustBundle.fromPem(both);

        assertThat(bundle.certificates()).containsExactly(CA.certificate(), SECOND.certificate());
        assertThat(bundle.file()).contains(both);
        assertThat(bundle.describe()).isEqualTo("'Bundle Test CA', 'Second CA'");
        assertThat(bundle.trustManager().getAcceptedIssuers()).containsExactlyInAnyOrder(CA.certificate(), SECOND.certificate());
        assertVerifies(bundle, CA.leaf("auth").issue());
        assertVerifies(bundle, SECOND.leaf("order").issue());
        assertThatThrownBy(() -> bundle.verify(TestCa.create("Other CA").leaf("order").issue().chain(), Instant.now(), null))
                .isInstanceOf(TlsException.class)
                .hasMessageContaining("the certificate 'order' is issued by 'Other CA', which is not a CA in " + both
                        + " ('Bundle Test CA', 'Second CA')");
    }

    @Test
    void aBundleInMemoryHasNoFile() {
        TrustBundle bundle = TrustBundle.of(List.of(CA.certificate()));

        assertThat(bundle.file()).isEmpty();
        assertThat(bundle.crls()).isEmpty();
        assertThat(bundle).hasToString("TrustBundle['Bundle Test CA']");
    }

    @Test
    void aChainThroughAnIntermediateLeadsToTheRoot() {
        TestCa intermediate = CA.intermediate("Issuing CA");
        TestCert leaf = intermediate.leaf("auth").issue();

        assertVerifies(TrustBundle.of(List.of(CA.certificate())), leaf);
        assertThatThrownBy(() -> TrustBundle.of(List.of(CA.certificate())).verify(List.of(leaf.certificate()), Instant.now(), null))
                .as("without the intermediate the leaf leads nowhere")
                .isInstanceOf(TlsException.class).hasMessageContaining("is issued by 'Issuing CA'");
    }

    @Test
    void aCaMadeAnewUnderTheSameNameIsNamedAsSuch() {
        TestCa remade = TestCa.create("Bundle Test CA");
        TestCert leaf = remade.leaf("auth").issue();
        TrustBundle bundle = TrustBundle.of(List.of(CA.certificate()));

        assertThatThrownBy(() -> bundle.verify(leaf.chain(), Instant.now(), dir.resolve("auth-cert.pem")))
                .isInstanceOf(TlsException.class)
                .hasMessageStartingWith(dir.resolve("auth-cert.pem") + ": the certificate 'auth' is issued by 'Bundle Test CA',"
                        + " but not by the CA of that name in the trust bundle (same name, different key: was the CA made anew?)");
        assertThatThrownBy(() -> bundle.trustManager().checkClientTrusted(leaf.chain().toArray(X509Certificate[]::new), "UNKNOWN"))
                .isInstanceOf(CertificateException.class)
                .hasMessage("peer certificate 'auth' is issued by 'Bundle Test CA', but not by the CA of that name in the"
                        + " trust bundle (same name, different key: was the CA made anew?)");
    }

    @Test
    void aCaMadeAnewUnderTheSameNameIsNamedAsSuchAlsoWhenTheLeafHasNoAuthorityKeyIdentifier() {
        TestCa remade = TestCa.create("Bundle Test CA");
        TestCert leaf = remade.leaf("auth").withoutAuthorityKeyIdentifier().issue();
        TrustBundle bundle = TrustBundle.of(List.of(CA.certificate()));

        assertThatThrownBy(() -> bundle.verify(leaf.chain(), Instant.now(), dir.resolve("auth-cert.pem")))
                .isInstanceOf(TlsException.class)
                .hasMessageContaining("but not by the CA of that name in the trust bundle (same name, different key");
        assertThatThrownBy(() -> bundle.trustManager().checkClientTrusted(leaf.chain().toArray(X509Certificate[]::new), "UNKNOWN"))
                .isInstanceOf(CertificateException.class)
                .hasMessageContaining("but not by the CA of that name in the trust bundle (same name, different key");
        TestCert genuine = CA.leaf("auth").withoutAuthorityKeyIdentifier().issue();
        bundle.verify(genuine.chain(), Instant.now(), dir.resolve("auth-cert.pem"));
    }

    @Test
    void verifyChecksValidityAtTheInstantGiven() {
        Instant now = Instant.now();
        TestCert leaf = CA.leaf("auth").validity(now.minus(Duration.ofHours(1)), now.plus(Duration.ofHours(1))).issue();
        TrustBundle bundle = TrustBundle.of(List.of(CA.certificate()));

        assertThatCode(() -> bundle.verify(leaf.chain(), now, null)).doesNotThrowAnyException();
        assertThatThrownBy(() -> bundle.verify(leaf.chain(), now.plus(Duration.ofHours(2)), null))
                .isInstanceOf(TlsException.class)
                .hasMessageContaining("the certificate 'auth' does not verify against the trust bundle");
        assertThatThrownBy(() -> bundle.verify(leaf.chain(), now.minus(Duration.ofHours(2)), null))
                .isInstanceOf(TlsException.class)
                .hasMessageContaining("the certificate 'auth' does not verify against the trust bundle");
    }

    @Test
    void withCrlsEveryCaNeedsACrlSignedByIt() {
        TrustBundle both = TrustBundle.of(List.of(CA.certificate(), SECOND.certificate()));
        Path onlyFirst = TestCert.writeCrls(dir.resolve("first.pem"), CA.crl());
        Path forged = TestCert.writeCrls(dir.resolve("forged.pem"), CA.crl(), TestCa.create("Second CA").crl());
        Path bothCrls = TestCert.writeCrls(dir.resolve("both.pem"), CA.crl(), SECOND.crl());

        assertThatThrownBy(() -> both.withCrls(onlyFirst))
                .isInstanceOf(TlsException.class)
                .hasMessageStartingWith(onlyFirst + ": the file holds no CRL signed by the CA 'Second CA' of the trust bundle;"
                        + " with a CRL set, every CA needs one");
        assertThatThrownBy(() -> both.withCrls(forged))
                .as("a CRL of another CA with the same name is not that CA's")
                .isInstanceOf(TlsException.class)
                .hasMessageContaining("the file holds no CRL signed by the CA 'Second CA'");
        assertThat(both.withCrls(bothCrls).crls()).hasSize(2);
    }

    @Test
    void anOutOfDateCrlIsRefused() {
        TrustBundle bundle = TrustBundle.of(List.of(CA.certificate()));
        Instant due = Instant.now().minus(Duration.ofMinutes(1));
        Path stale = TestCert.writeCrls(dir.resolve("stale.pem"), CA.crl(due));

        assertThatThrownBy(() -> bundle.withCrls(stale))
                .isInstanceOf(TlsException.class)
                .hasMessageStartingWith(stale + ": the CRL of the CA 'Bundle Test CA' is out of date since")
                .hasMessageContaining("(its nextUpdate)");
        assertThatCode(() -> bundle.withCrls(TestCert.writeCrls(dir.resolve("fresh.pem"),
                CA.crl(Instant.now().plus(Duration.ofMinutes(5)))))).doesNotThrowAnyException();
    }

    @Test
    void aFileWithoutCrlsIsRefused() {
        Path notACrl = TestCert.writeCertificates(dir.resolve("ca.pem"), CA.certificate());

        assertThatThrownBy(() -> TrustBundle.of(List.of(CA.certificate())).withCrls(notACrl))
                .isInstanceOf(TlsException.class)
                .hasMessageStartingWith(notACrl + ": the file holds no CRL (found a certificate)");
    }

    @Test
    void aRevokedLeafIsRefusedByVerifyAndByTheTrustManager() {
        TestCert revoked = SECOND.leaf("gateway").issue();
        TestCert kept = SECOND.leaf("gateway").issue();
        Path crls = TestCert.writeCrls(dir.resolve("crl.pem"), CA.crl(), SECOND.crl(revoked.certificate()));
        TrustBundle plain = TrustBundle.of(List.of(CA.certificate(), SECOND.certificate()));
        TrustBundle checked = plain.withCrls(crls);

        assertVerifies(plain, revoked);
        assertVerifies(checked, kept);
        assertVerifies(checked, CA.leaf("gateway").issue());
        assertThatThrownBy(() -> checked.verify(revoked.chain(), Instant.now(), dir.resolve("gateway-cert.pem")))
                .isInstanceOf(TlsException.class)
                .hasMessageStartingWith(dir.resolve("gateway-cert.pem") + ": the certificate 'gateway' is revoked by " + crls);
        assertThatThrownBy(() -> checked.trustManager().checkClientTrusted(
                revoked.chain().toArray(X509Certificate[]::new), "UNKNOWN"))
                .isInstanceOf(CertificateException.class)
                .hasMessage("peer certificate 'gateway' (serial " + revoked.certificate().getSerialNumber().toString(16)
                        + ") is revoked by the CRL of its CA");
        assertThatCode(() -> checked.trustManager().checkClientTrusted(kept.chain().toArray(X509Certificate[]::new), "UNKNOWN"))
                .doesNotThrowAnyException();
    }

    @Test
    void theTrustManagerSaysWhyItRefuses() {
        TrustBundle bundle = TrustBundle.of(List.of(CA.certificate()));
        X509Certificate[] stranger = TestCa.create("Stranger CA").leaf("gateway").issue().chain().toArray(X509Certificate[]::new);
        X509Certificate[] expired = CA.leaf("gateway").expired().issue().chain().toArray(X509Certificate[]::new);
        X509Certificate[] serverOnly = CA.leaf("gateway").serverAuthOnly().issue().chain().toArray(X509Certificate[]::new);

        assertThatThrownBy(() -> bundle.trustManager().checkClientTrusted(stranger, "UNKNOWN"))
                .hasMessage("peer certificate 'gateway' is issued by 'Stranger CA', which is not a CA in the trust bundle"
                        + " ('Bundle Test CA')");
        assertThatThrownBy(() -> bundle.trustManager().checkClientTrusted(expired, "UNKNOWN"))
                .hasMessageStartingWith("peer certificate 'gateway' expired at ");
        assertThatThrownBy(() -> bundle.trustManager().checkClientTrusted(serverOnly, "UNKNOWN"))
                .hasMessage("peer certificate 'gateway' lacks the clientAuth extended key usage");
    }

    private static void assertVerifies(TrustBundle bundle, TestCert leaf) {
        assertThatCode(() -> bundle.verify(leaf.chain(), Instant.now(), null)).doesNotThrowAnyException();
    }
}
