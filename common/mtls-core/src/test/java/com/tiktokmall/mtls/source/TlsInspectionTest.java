package com.tiktokmall.mtls.source;

import com.tiktokmall.mtls.MtlsContext.Role;
import com.tiktokmall.mtls.TlsException;
import com.tiktokmall.mtls.TlsOptions;
import com.tiktokmall.mtls.testing.MutableClock;
import com.tiktokmall.mtls.testing.TestCert;
import com.tiktokmall.mtls.testing.TestCert.KeyFormat;
import com.tiktokmall.mtls.testing.TestPki;
import org.conscrypt.Conscrypt;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.Provider;
import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * One outcome per setting of the tls block, each naming its setting: what start-up throws the
 * first of and check-tls prints all of.
 */
class TlsInspectionTest {
    private final MutableClock clock = MutableClock.startingNow();
    private final TlsOptions options = TlsOptions.builder().clock(clock).build();
    private TestPki pki;
    private TestCert server;
    private TestCert client;

    @BeforeEach
    void issue() {
        pki = TestPki.create();
        server = pki.issue("auth");
        client = pki.issue("order");
    }

    @Test
    void eachRoleGetsItsOwnFilesAndEverySettingAnOutcomeInBlockOrder() {
        TlsInspection inspection = TlsInspection.of(files().build(), options);

        assertThat(inspection.outcomes()).extracting(TlsInspection.Outcome::setting).containsExactly("tls.ca_cert",
                "tls.server_cert", "tls.server_key", "tls.server_cert", "tls.client_cert", "tls.client_key", "tls.client_cert");
        assertThat(inspection.outcomes()).extracting(TlsInspection.Outcome::file).containsExactly(pki.caCert(),
                pki.certFile("auth"), pki.keyFile("auth"), pki.certFile("auth"),
                pki.certFile("order"), pki.keyFile("order"), pki.certFile("order"));
        assertThat(inspection.outcomes()).allSatisfy(outcome -> assertThat(outcome.skipped()).isFalse());
        assertThat(inspection.firstProblem()).isEmpty();
        assertThat(inspection.caCert().value()).get()
                .satisfies(bundle -> assertThat(bundle.certificates()).containsExactly(pki.ca().certificate()));
        assertThat(inspection.cert(Role.CLIENT).value()).contains(client.chain());
        assertThat(inspection.identity(Role.SERVER).value()).get()
                .satisfies(identity -> assertThat(identity.privateKey()).isEqualTo(server.privateKey()));
        TlsMaterial material = inspection.material();
        assertThat(material.server().identity().certificate()).isEqualTo(server.certificate());
        assertThat(material.client().identity().certificate()).isEqualTo(client.certificate());
        assertThat(material.client().role()).isEqualTo(Role.CLIENT);
        assertThat(inspection.context(Role.SERVER).value()).contains(material.server());
    }

    @Test
    void aBrokenKeyIsNamedAndTheContextThatNeedsItIsSkipped() throws IOException {
        Files.writeString(pki.keyFile("order"), "not a key\n");

        TlsInspection inspection = TlsInspection.of(files().build(), options);

        assertThat(inspection.firstProblem()).get().extracting(TlsException::setting).isEqualTo(java.util.Optional.of("tls.client_key"));
        assertThat(inspection.identity(Role.CLIENT).problem()).isPresent();
        assertThat(inspection.context(Role.CLIENT).skipped()).isTrue();
        assertThat(inspection.context(Role.CLIENT).problem()).isEmpty();
        assertThat(inspection.context(Role.SERVER).value()).isPresent();
        assertThatThrownBy(inspection::material).isInstanceOf(TlsException.class)
                .hasMessageStartingWith("tls.client_key (" + pki.keyFile("order") + "): ");
    }

    @Test
    void aCertificateFileSharedByBothRolesIsNamedForEach() throws IOException {
        Files.writeString(pki.certFile("auth"), "not a certificate\n");
        TlsFiles shared = TlsFiles.builder().caCert(pki.caCert()).server(pki.certFile("auth"), pki.keyFile("auth"))
                .client(pki.certFile("auth"), pki.keyFile("auth")).build();

        TlsInspection inspection = TlsInspection.of(shared, options);

        assertThat(inspection.cert(Role.SERVER).setting()).isEqualTo("tls.server_cert");
        assertThat(inspection.cert(Role.CLIENT).setting()).isEqualTo("tls.client_cert");
        assertThat(inspection.cert(Role.CLIENT).problem()).get().extracting(Throwable::getMessage).asString()
                .startsWith("tls.client_cert (" + pki.certFile("auth") + "): the file is not PEM");
        assertThat(inspection.identity(Role.CLIENT).skipped()).isTrue();
    }

    @Test
    void aPairInOneFileIsNamedAsBothSettingsWhenTheyDoNotMatch() {
        Path pair = pki.dir().resolve("auth.pem");
        server.writeCertificate(pair);
        appendKey(pair, client);
        TlsFiles files = files().server(pair, pair).build();

        TlsInspection inspection = TlsInspection.of(files, options);

        assertThat(inspection.identity(Role.SERVER).problem()).get().extracting(Throwable::getMessage).asString()
                .startsWith("tls.server_cert and tls.server_key (" + pair + "): the private key");
    }

    @Test
    void aChainOutOfOrderIsTheCertificatesFaultThoughFoundWithTheKey() {
        TestCert.writeCertificates(pki.certFile("auth"), server.certificate(), client.certificate());

        TlsInspection inspection = TlsInspection.of(files().build(), options);

        assertThat(inspection.identity(Role.SERVER).problem()).get().extracting(Throwable::getMessage).asString()
                .startsWith("tls.server_cert (" + pki.certFile("auth") + "): the certificates are out of order");
    }

    @Test
    void aKeyNotMatchingItsSeparateCertificateIsTheKeysFault() {
        client.writeKey(pki.keyFile("auth"));

        TlsInspection inspection = TlsInspection.of(files().build(), options);

        assertThat(inspection.identity(Role.SERVER).problem()).get().extracting(Throwable::getMessage).asString()
                .startsWith("tls.server_key (" + pki.keyFile("auth") + "): the private key");
    }

    @Test
    void withACrlTheTrustIsTheBundleWithItsCrlsAndARevokedCertificateIsNamed() {
        Path crl = TestCert.writeCrls(pki.dir().resolve("crl.pem"), pki.ca().crl(client.certificate()));

        TlsInspection inspection = TlsInspection.of(files().build(), withCrl(crl));

        assertThat(inspection.outcomes()).extracting(TlsInspection.Outcome::setting).startsWith("tls.ca_cert", "tls.crl");
        assertThat(inspection.crl()).get().satisfies(outcome -> assertThat(outcome.value()).get()
                .satisfies(bundle -> assertThat(bundle.crls()).hasSize(1)));
        assertThat(inspection.context(Role.SERVER).value()).get()
                .satisfies(context -> assertThat(context.trust().crls()).hasSize(1));
        assertThat(inspection.context(Role.CLIENT).problem()).get().extracting(Throwable::getMessage).asString()
                .startsWith("tls.client_cert (" + pki.certFile("order") + "): the certificate 'order' is revoked by " + crl);
    }

    @Test
    void aBrokenCrlIsNamedAndTheContextsAreNotChecked() throws IOException {
        Path crl = Files.writeString(pki.dir().resolve("crl.pem"), "not a CRL\n");

        TlsInspection inspection = TlsInspection.of(files().build(), withCrl(crl));

        assertThat(inspection.firstProblem()).get().extracting(Throwable::getMessage).asString()
                .startsWith("tls.crl (" + crl + "): ");
        assertThat(inspection.context(Role.SERVER).skipped()).isTrue();
    }

    @Test
    void aBrokenCaCertIsNamedFirst() throws IOException {
        Files.writeString(pki.caCert(), "not a CA\n");

        assertThatThrownBy(() -> TlsMaterial.load(files().build(), options)).isInstanceOf(TlsException.class)
                .hasMessageStartingWith("tls.ca_cert (" + pki.caCert() + "): ");
    }

    @Test
    void validityIsJudgedAtTheTimeOfTheClock() {
        clock.advance(Duration.ofDays(60));

        TlsInspection inspection = TlsInspection.of(files().build(), options);

        assertThat(inspection.context(Role.SERVER).problem()).get().extracting(Throwable::getMessage).asString()
                .contains("the certificate 'auth' expired at");
    }

    @Test
    void anEncryptedKeyIsReadWithThePassword() {
        char[] password = "s3cret".toCharArray();
        client.writeKey(pki.keyFile("order"), KeyFormat.PKCS8_ENCRYPTED, password);
        TlsFiles files = files().keyPassword(password).build();
        password[0] = 'X';

        assertThat(files.keyPassword()).get().satisfies(p -> assertThat(new String(p)).isEqualTo("s3cret"));
        assertThat(TlsMaterial.load(files, options).client().identity().privateKey()).isEqualTo(client.privateKey());
    }

    @Test
    void protocolsAndProviderReachBothContexts() {
        Provider conscrypt = Conscrypt.newProvider();
        TlsOptions tls13 = options.toBuilder().protocols(List.of("TLSv1.3")).provider(conscrypt).build();

        TlsMaterial material = TlsMaterial.load(files().build(), tls13);

        assertThat(material.server().protocols()).containsExactly("TLSv1.3");
        assertThat(material.client().protocols()).containsExactly("TLSv1.3");
        assertThat(material.server().sslContext().getProvider()).isSameAs(conscrypt);
        assertThat(material.client().sslContext().getProvider()).isSameAs(conscrypt);
    }

    private TlsOptions withCrl(Path crl) {
        return options.toBuilder().crl(crl).build();
    }

    private TlsFiles.Builder files() {
        return TlsFiles.builder().caCert(pki.caCert()).server(pki.certFile("auth"), pki.keyFile("auth"))
                .client(pki.certFile("order"), pki.keyFile("order"));
    }

    private static void appendKey(Path file, TestCert cert) {
        try {
            Path key = Files.createTempFile("key", ".pem");
            cert.writeKey(key);
            Files.writeString(file, Files.readString(file) + Files.readString(key));
            Files.delete(key);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
