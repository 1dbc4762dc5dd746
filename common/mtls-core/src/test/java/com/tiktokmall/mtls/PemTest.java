package com.tiktokmall.mtls;

import com.tiktokmall.mtls.testing.TestCa;
import com.tiktokmall.mtls.testing.TestCert;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509CRL;
import java.util.Base64;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Reading CRLs, the size limit, and what a file holds instead of what was asked for. */
class PemTest {
    private static final TestCa CA = TestCa.create("Pem Test CA");
    private static final String EC_PARAMETERS = "-----BEGIN EC PARAMETERS-----\nBggqhkjOPQMBBw==\n-----END EC PARAMETERS-----\n";

    @TempDir
    Path dir;

    @Test
    void readsEveryCrlOfAFileInOrder() {
        TestCa other = TestCa.create("Other CA");
        X509CRL ours = CA.crl();
        X509CRL theirs = other.crl();
        Path file = TestCert.writeCrls(dir.resolve("crl.pem"), ours, theirs);

        assertThat(Pem.crls(file)).containsExactly(ours, theirs);
    }

    @Test
    void aCrlFileWithoutCrlsSaysWhatItHolds() {
        Path file = TestCert.writeCertificates(dir.resolve("crl.pem"), CA.certificate());

        assertThatThrownBy(() -> Pem.crls(file)).isInstanceOf(TlsException.class)
                .hasMessageStartingWith(file + ": the file holds no CRL (found a certificate)");
    }

    @Test
    void aCertificateFileOfOtherThingsNamesEachKindOnce() throws IOException {
        Path file = dir.resolve("mixed.pem");
        TestCert.writeCrls(file, CA.crl(), CA.crl());
        Files.writeString(file, Files.readString(file) + EC_PARAMETERS);

        assertThatThrownBy(() -> Pem.certificates(file)).isInstanceOf(TlsException.class)
                .hasMessageStartingWith(file + ": the file holds no certificate (found a CRL, EC parameters)");
    }

    @Test
    void aKeyFileHoldingOnlyEcParametersSaysSo() throws IOException {
        Path file = Files.writeString(dir.resolve("key.pem"), EC_PARAMETERS);

        assertThatThrownBy(() -> Pem.privateKey(file, null)).isInstanceOf(TlsException.class)
                .hasMessageStartingWith(file + ": the file holds no private key (found EC parameters)");
    }

    @Test
    void anUnexpectedKindIsNamedByItsType() throws IOException {
        Path file = Files.writeString(dir.resolve("cert.pem"), "-----BEGIN PUBLIC KEY-----\n"
                + Base64.getMimeEncoder().encodeToString(CA.certificate().getPublicKey().getEncoded())
                + "\n-----END PUBLIC KEY-----\n");

        assertThatThrownBy(() -> Pem.certificates(file)).isInstanceOf(TlsException.class)
                .hasMessageStartingWith(file + ": the file holds no certificate (found SubjectPublicKeyInfo)");
    }

    @Test
    void aFileOfExactlyTheLimitIsRead() throws IOException {
        Path file = TestCert.writeCertificates(dir.resolve("ca.pem"), CA.certificate());
        String pem = Files.readString(file);
        Files.writeString(file, pem + "#".repeat(Pem.MAX_FILE_BYTES - pem.length() - 1) + "\n");

        assertThat(Files.size(file)).isEqualTo(Pem.MAX_FILE_BYTES);
        assertThat(Pem.certificates(file)).containsExactly(CA.certificate());
    }

    @Test
    void aFileOneByteOverTheLimitIsRefused() throws IOException {
        Path file = TestCert.writeCertificates(dir.resolve("ca.pem"), CA.certificate());
        String pem = Files.readString(file);
        Files.writeString(file, pem + "#".repeat(Pem.MAX_FILE_BYTES - pem.length()) + "\n");

        assertThatThrownBy(() -> Pem.certificates(file)).isInstanceOf(TlsException.class)
                .hasMessageContaining("the file is larger than 1024 KiB");
    }
}
