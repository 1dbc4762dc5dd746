package com.tiktokmall.mtls;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.cert.CertPathValidatorException;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** scripts/generate_certs.sh, run for real with openssl, and its output read by this library. */
class GenerateCertsScriptTest {
    private static final Path SCRIPT = Path.of("../../scripts/generate_certs.sh").toAbsolutePath().normalize();
    private static final Path REVOKE = Path.of("../../scripts/revoke_cert.sh").toAbsolutePath().normalize();
    private static final String PASSWORD = "s3cret";

    @TempDir
    Path dir;

    @Test
    void issuesCertificatesTheLibraryAcceptsForEveryRole() throws Exception {
        assertThat(run("--out", dir.toString())).contains("CA ").contains("(new)");

        TrustBundle trust = TrustBundle.fromPem(dir.resolve("ca-cert.pem"));
        for (String service : List.of("auth", "order", "gateway", "payment")) {
            Identity identity = Identity.fromPem(dir.resolve(service + "-cert.pem"), dir.resolve(service + "-key.pem"));
            MtlsContext.forServer(identity).trust(trust).build();
            MtlsContext.forClient(identity).trust(trust).build();
            assertThat(identity.certificate().getVersion()).isEqualTo(3);
            assertThat(identity.certificate().getSubjectAlternativeNames()).map(san -> (Object) san.get(1))
                    .containsExactlyInAnyOrder(service, "localhost", "127.0.0.1", "spiffe://tiktokmall.local/" + service);
            assertThat(run("openssl", "verify", "-CAfile", dir.resolve("ca-cert.pem").toString(),
                    dir.resolve(service + "-cert.pem").toString())).contains(": OK");
            assertThat(Files.getPosixFilePermissions(dir.resolve(service + "-key.pem")))
                    .containsExactlyInAnyOrder(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE);
        }
        assertThat(dir.resolve("token-signing-key.pem")).isNotEmptyFile();
    }

    @Test
    void keepsTheCaOnRerunAndReplacesItWithForce() throws Exception {
        run("--out", dir.toString(), "auth");
        X509Certificate first = ca();

        assertThat(run("--out", dir.toString(), "auth")).contains("(kept)");
        assertThat(ca()).isEqualTo(first);

        run("--out", dir.toString(), "--force", "auth");
        assertThat(ca()).isNotEqualTo(first);
        TrustBundle.fromPem(dir.resolve("ca-cert.pem")).verify(
                Identity.fromPem(dir.resolve("auth-cert.pem"), dir.resolve("auth-key.pem")).chain(),
                Instant.now(), dir.resolve("auth-cert.pem"));
    }

    @Test
    void rsaKeysAndOpensslEncryptedKeysLoad() throws Exception {
        run("--out", dir.toString(), "--rsa", "order");
        Path key = dir.resolve("order-key.pem");
        Path cert = dir.resolve("order-cert.pem");
        assertThat(Identity.fromPem(cert, key).toString()).contains("RSA 2048");

        Path pkcs8 = dir.resolve("pkcs8-encrypted.pem");
        run("openssl", "pkcs8", "-topk8", "-v2", "aes-256-cbc", "-in", key.toString(), "-out", pkcs8.toString(),
                "-passout", "pass:" + PASSWORD);
        Path pkcs1 = dir.resolve("pkcs1-encrypted.pem");
        run("openssl", "rsa", "-traditional", "-aes256", "-in", key.toString(), "-out", pkcs1.toString(),
                "-passout", "pass:" + PASSWORD);

        assertThat(Files.readString(pkcs8)).contains("BEGIN ENCRYPTED PRIVATE KEY");
        assertThat(Files.readString(pkcs1)).contains("BEGIN RSA PRIVATE KEY").contains("Proc-Type: 4,ENCRYPTED");
        for (Path encrypted : List.of(pkcs8, pkcs1)) {
            assertThat(Identity.fromPem(cert, encrypted, PASSWORD.toCharArray()).certificate()).isNotNull();
        }
    }

    @Test
    void opensslSec1EcKeysLoad() throws Exception {
        run("--out", dir.toString(), "gateway");
        Path sec1 = dir.resolve("sec1.pem");
        run("openssl", "ec", "-in", dir.resolve("gateway-key.pem").toString(), "-out", sec1.toString());

        assertThat(Files.readString(sec1)).contains("BEGIN EC PRIVATE KEY");
        assertThat(Identity.fromPem(dir.resolve("gateway-cert.pem"), sec1).toString()).contains("EC P-256");
    }

    @Test
    void revokeCertMakesACrlTheLibraryEnforces() throws Exception {
        run("--out", dir.toString(), "auth", "payment");
        Path revoked = dir.resolve("payment-cert.pem");

        assertThat(run(Path.of("../../scripts/revoke_cert.sh").toString(), "--out", dir.toString(), revoked.toString()))
                .contains("CRL       " + dir.resolve("crl.pem") + " (1 revoked");

        TrustBundle trust = TrustBundle.fromPem(dir.resolve("ca-cert.pem")).withCrls(dir.resolve("crl.pem"));
        Identity payment = Identity.fromPem(revoked, dir.resolve("payment-key.pem"));
        Identity auth = Identity.fromPem(dir.resolve("auth-cert.pem"), dir.resolve("auth-key.pem"));
        assertThat(trust.validate(payment.chain(), Instant.now())).get()
                .extracting(CertPathValidatorException::getReason)
                .isEqualTo(CertPathValidatorException.BasicReason.REVOKED);
        assertThat(trust.validate(auth.chain(), Instant.now())).isEmpty();
    }

    @Test
    void theOutputDirectoryIsMadeReadableByItsOwnerOnly() throws Exception {
        Path out = Files.createDirectory(dir.resolve("certs"), PosixFilePermissions.asFileAttribute(
                PosixFilePermissions.fromString("rwxr-xr-x")));

        run("--out", out.toString(), "auth");

        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(out))).isEqualTo("rwx------");
    }

    @Test
    void revokeCertTakesPathsWithADollarAndReportsOpensslsErrors() throws Exception {
        Path out = dir.resolve("certs $HOME");
        run("--out", out.toString(), "auth", "payment");

        assertThat(run(REVOKE.toString(), "--out", out.toString(), out.resolve("payment-cert.pem").toString()))
                .contains("CRL       " + out.resolve("crl.pem") + " (1 revoked");

        Files.writeString(out.resolve("ca-key.pem"), "not a key\n");
        Process broken = new ProcessBuilder(REVOKE.toString(), "--out", out.toString()).redirectErrorStream(true).start();
        String output = new String(broken.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(broken.waitFor()).isNotZero();
        assertThat(output).contains("Could not read CA private key from " + out.resolve("ca-key.pem"));
    }

    private X509Certificate ca() {
        return TrustBundle.fromPem(dir.resolve("ca-cert.pem")).certificates().get(0);
    }

    private static String run(String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>();
        if (args[0].startsWith("--")) {
            command.add(SCRIPT.toString());
        }
        command.addAll(List.of(args));
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(process.waitFor()).as("exit code of %s, output:%n%s", command, output).isZero();
        return output;
    }
}
