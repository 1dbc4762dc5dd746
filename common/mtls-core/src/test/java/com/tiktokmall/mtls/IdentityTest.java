package com.tiktokmall.mtls;

import com.tiktokmall.mtls.testing.TestCa;
import com.tiktokmall.mtls.testing.TestCert;
import com.tiktokmall.mtls.testing.TestCert.KeyFormat;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.math.BigInteger;
import java.security.PrivateKey;
import java.security.interfaces.ECPrivateKey;
import java.security.interfaces.RSAPrivateKey;
import java.util.List;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class IdentityTest {
    private static final TestCa CA = TestCa.create("Identity Test CA");
    private static final char[] PASSWORD = "s3cret".toCharArray();

    @TempDir
    Path dir;

    static Stream<Arguments> keysInEveryFormat() {
        List<TestCert> certs = List.of(CA.leaf("ec256").issue(), CA.leaf("ec384").ec("secp384r1").issue(),
                CA.leaf("rsa").rsa(2048).issue());
        return certs.stream().flatMap(cert -> Stream.of(KeyFormat.values()).map(format -> Arguments.of(cert, format)));
    }

    @ParameterizedTest(name = "{1} {0}")
    @MethodSource("keysInEveryFormat")
    void loadsKeysInEveryFormat(TestCert cert, KeyFormat format) {
        Path certFile = cert.writeCertificate(dir.resolve("cert.pem"));
        Path keyFile = cert.writeKey(dir.resolve("key.pem"), format, PASSWORD);

        Identity identity = Identity.fromPem(certFile, keyFile, PASSWORD);

        assertThat(secret(identity.privateKey())).isEqualTo(secret(cert.privateKey()));
        assertThat(identity.certificate()).isEqualTo(cert.certificate());
    }

    @Test
    void readsChainLeafFirst() {
        TestCa intermediate = CA.intermediate("Intermediate CA");
        TestCert cert = intermediate.leaf("auth").issue();

        Identity identity = Identity.fromPem(cert.writeCertificate(dir.resolve("chain.pem")),
                cert.writeKey(dir.resolve("key.pem")));

        assertThat(identity.chain()).containsExactly(cert.certificate(), intermediate.certificate());
    }

    @Test
    void refusesChainOutOfOrder() {
        TestCa intermediate = CA.intermediate("Intermediate CA");
        TestCert cert = intermediate.leaf("auth").issue();
        Path intermediateFirst = TestCert.writeCertificates(dir.resolve("chain.pem"),
                intermediate.certificate(), cert.certificate());

        assertThatThrownBy(() -> Identity.fromPem(intermediateFirst, cert.writeKey(dir.resolve("key.pem"))))
                .isInstanceOf(TlsException.class)
                .hasMessageStartingWith(intermediateFirst + ": the certificates are out of order");
    }

    @Test
    void missingFileIsNamed() {
        Path missing = dir.resolve("nope.pem");

        assertThatThrownBy(() -> Identity.fromPem(missing, missing))
                .isInstanceOf(TlsException.class)
                .hasMessageStartingWith(missing + ": the file does not exist");
    }

    @Test
    void emptyFileIsNamed() throws IOException {
        Path empty = Files.writeString(dir.resolve("empty.pem"), "\n");

        assertThatThrownBy(() -> Identity.fromPem(empty, empty))
                .isInstanceOf(TlsException.class)
                .hasMessageStartingWith(empty + ": the file is empty");
    }

    @Test
    void garbageFileIsNamed() throws IOException {
        TestCert cert = CA.leaf("auth").issue();
        Path garbage = Files.writeString(dir.resolve("garbage.pem"), "this is not a certificate\n");

        assertThatThrownBy(() -> Identity.fromPem(garbage, cert.writeKey(dir.resolve("key.pem"))))
                .isInstanceOf(TlsException.class)
                .hasMessageStartingWith(garbage + ": the file is not PEM");
    }

    @Test
    void corruptPemIsNamed() throws IOException {
        Path corrupt = Files.writeString(dir.resolve("corrupt.pem"),
                "-----BEGIN CERTIFICATE-----\nnot*base64*at*all\n-----END CERTIFICATE-----\n");

        assertThatThrownBy(() -> Identity.fromPem(corrupt, corrupt))
                .isInstanceOf(TlsException.class)
                .hasMessageStartingWith(corrupt + ": the file is not valid PEM");
    }

    @Test
    void keyFileGivenAsCertificateIsNamed() {
        TestCert cert = CA.leaf("auth").issue();
        Path key = cert.writeKey(dir.resolve("key.pem"));

        assertThatThrownBy(() -> Identity.fromPem(key, key))
                .isInstanceOf(TlsException.class)
                .hasMessageStartingWith(key + ": the file holds no certificate (found a private key)");
    }

    @Test
    void certificateGivenAsKeyIsNamed() {
        TestCert cert = CA.leaf("auth").issue();
        Path certFile = cert.writeCertificate(dir.resolve("cert.pem"));

        assertThatThrownBy(() -> Identity.fromPem(certFile, certFile))
                .isInstanceOf(TlsException.class)
                .hasMessageStartingWith(certFile + ": the file holds no private key (found a certificate)");
    }

    @Test
    void mismatchedKeyAndCertificateAreNamed() {
        Path certFile = CA.leaf("auth").issue().writeCertificate(dir.resolve("auth-cert.pem"));
        Path otherKey = CA.leaf("order").issue().writeKey(dir.resolve("order-key.pem"));

        assertThatThrownBy(() -> Identity.fromPem(certFile, otherKey))
                .isInstanceOf(TlsException.class)
                .hasMessageStartingWith(otherKey + ": the private key (EC P-256) does not match the certificate 'auth' in "
                        + certFile);
    }

    @Test
    void encryptedKeyWithoutPasswordIsNamed() {
        TestCert cert = CA.leaf("auth").issue();
        Path key = cert.writeKey(dir.resolve("key.pem"), KeyFormat.PKCS8_ENCRYPTED, PASSWORD);

        assertThatThrownBy(() -> Identity.fromPem(cert.writeCertificate(dir.resolve("cert.pem")), key))
                .isInstanceOf(TlsException.class)
                .hasMessageStartingWith(key + ": the private key is encrypted and no key password is set");
    }

    @Test
    void wrongPasswordIsNamed() {
        TestCert cert = CA.leaf("auth").issue();
        Path key = cert.writeKey(dir.resolve("key.pem"), KeyFormat.TRADITIONAL_ENCRYPTED, PASSWORD);

        assertThatThrownBy(() -> Identity.fromPem(cert.writeCertificate(dir.resolve("cert.pem")), key,
                "wrong".toCharArray()))
                .isInstanceOf(TlsException.class)
                .hasMessageStartingWith(key + ": the private key cannot be decrypted: the key password is wrong");
    }

    @Test
    void refusesShortRsaKey() {
        TestCert weak = CA.leaf("auth").rsa(1024).issue();
        Path key = weak.writeKey(dir.resolve("key.pem"));

        assertThatThrownBy(() -> Identity.fromPem(weak.writeCertificate(dir.resolve("cert.pem")), key))
                .isInstanceOf(TlsException.class)
                .hasMessageStartingWith(key + ": the RSA key has 1024 bits; at least 2048 are required");
    }

    private static BigInteger secret(PrivateKey key) {
        return key instanceof ECPrivateKey ec ? ec.getS() : ((RSAPrivateKey) key).getPrivateExponent();
    }

    @Test
    void remembersItsFilesAndDescribesItselfWithoutTheKey() {
        TestCert cert = CA.leaf("auth").issue();
        Path certFile = cert.writeCertificate(dir.resolve("auth-cert.pem"));
        Path keyFile = cert.writeKey(dir.resolve("auth-key.pem"));

        Identity fromFiles = Identity.fromPem(certFile, keyFile);

        assertThat(fromFiles.certFile()).contains(certFile);
        assertThat(fromFiles.keyFile()).contains(keyFile);
        assertThat(fromFiles).hasToString("Identity['auth', EC P-256]");
        assertThat(cert.identity().certFile()).isEmpty();
        assertThat(cert.identity().keyFile()).isEmpty();
    }
}
