package com.tiktokmall.mtls.dropwizard.command;

import com.tiktokmall.mtls.TlsException;
import com.tiktokmall.mtls.testing.CommandRunner;
import com.tiktokmall.mtls.testing.EchoApplication;
import com.tiktokmall.mtls.testing.TestCa;
import com.tiktokmall.mtls.testing.TestCert.KeyFormat;
import com.tiktokmall.mtls.testing.TestCert;
import com.tiktokmall.mtls.testing.TestPki;
import io.dropwizard.testing.DropwizardTestSupport;
import io.dropwizard.testing.ResourceHelpers;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.function.BiFunction;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Every way the tls block can be broken: start-up refuses it naming the setting and the file, and
 * check-tls fails with exactly the same message.
 */
class BrokenConfigurationTest {
    private static final String CONFIG = ResourceHelpers.resourceFilePath("echo.yml");
    private static final char[] PASSWORD = "s3cret".toCharArray();

    /** A broken setup: it changes {@code settings} (and writes files) and returns the file at fault. */
    private record Breakage(String name, String setting, String problem, BiFunction<TestPki, Map<String, String>, Path> breaker) {
        @Override
        public String toString() {
            return name;
        }
    }

    static Stream<Arguments> breakages() {
        return Stream.of(
                breakage("missing certificate", "tls.server_cert", "the file does not exist",
                        (pki, s) -> put(s, "tls.server_cert", pki.dir().resolve("nope.pem"))),
                breakage("directory instead of key", "tls.client_key", "this is a directory, not a PEM file",
                        (pki, s) -> put(s, "tls.client_key", pki.dir())),
                breakage("ca_cert not PEM", "tls.ca_cert", "the file is not PEM",
                        (pki, s) -> put(s, "tls.ca_cert", write(pki, "garbage.pem", "not a certificate\n"))),
                breakage("empty CA bundle", "tls.ca_cert", "the file is empty",
                        (pki, s) -> put(s, "tls.ca_cert", write(pki, "empty.pem", ""))),
                breakage("CA bundle with only a key", "tls.ca_cert", "the file holds no certificate (found a private key)",
                        (pki, s) -> put(s, "tls.ca_cert", pki.keyFile("echo"))),
                breakage("leaf certificate as CA", "tls.ca_cert", "is not a CA certificate",
                        (pki, s) -> put(s, "tls.ca_cert", pki.certFile("echo"))),
                breakage("key given as certificate", "tls.server_cert", "the file holds no certificate",
                        (pki, s) -> put(s, "tls.server_cert", pki.issue("srv").writeKey(pki.dir().resolve("k.pem")))),
                breakage("certificate given as key", "tls.server_key", "the file holds no private key",
                        (pki, s) -> put(s, "tls.server_key", pki.issue("srv").writeCertificate(pki.dir().resolve("c.pem")))),
                breakage("one file as certificate and key, without a key", "tls.server_cert and tls.server_key",
                        "the file holds no private key", (pki, s) -> {
                            put(s, "tls.server_cert", pki.certFile("echo"));
                            return put(s, "tls.server_key", pki.certFile("echo"));
                        }),
                breakage("key of another certificate", "tls.server_key", "does not match the certificate 'echo'",
                        (pki, s) -> put(s, "tls.server_key", other(pki))),
                breakage("expired server certificate", "tls.server_cert", "expired at",
                        (pki, s) -> client(pki, s, "server", pki.ca().leaf("echo").expired().issue())),
                breakage("client certificate not yet valid", "tls.client_cert", "is not valid before",
                        (pki, s) -> client(pki, s, "client", pki.ca().leaf("echo").notYetValid().issue())),
                breakage("server certificate from another CA", "tls.server_cert",
                        "is issued by 'Other CA', which is not a CA in",
                        (pki, s) -> client(pki, s, "server", TestCa.create("Other CA").leaf("echo").issue())),
                breakage("client certificate from another CA", "tls.client_cert",
                        "is issued by 'Other CA', which is not a CA in",
                        (pki, s) -> client(pki, s, "client", TestCa.create("Other CA").leaf("echo").issue())),
                breakage("server certificate without serverAuth", "tls.server_cert", "lacks the serverAuth extended key usage",
                        (pki, s) -> client(pki, s, "server", pki.ca().leaf("echo").clientAuthOnly().issue())),
                breakage("client certificate without clientAuth", "tls.client_cert", "lacks the clientAuth extended key usage",
                        (pki, s) -> client(pki, s, "client", pki.ca().leaf("echo").serverAuthOnly().issue())),
                breakage("encrypted key without password", "tls.server_key", "encrypted and no key password is set",
                        (pki, s) -> encrypted(pki, s, null)),
                breakage("encrypted key with the wrong password", "tls.server_key", "the key password is wrong",
                        (pki, s) -> encrypted(pki, s, "wrong")),
                breakage("RSA key of 1024 bits", "tls.server_key", "the RSA key has 1024 bits; at least 2048 are required",
                        (pki, s) -> key(pki, s, pki.ca().leaf("echo").rsa(1024).issue())),
                breakage("Ed25519 key", "tls.server_key", "the key type EdDSA is not supported",
                        (pki, s) -> key(pki, s, pki.ca().leaf("echo").ed25519().issue())),
                breakage("crl file without a CRL", "tls.crl", "the file holds no CRL (found a certificate)",
                        (pki, s) -> put(s, "tls.crl", pki.caCert())),
                breakage("no CRL for one of the CAs", "tls.crl",
                        "the file holds no CRL signed by the CA 'Second CA' of",
                        (pki, s) -> {
                            TestCa second = TestCa.create("Second CA");
                            put(s, "tls.ca_cert", TestCert.writeCertificates(pki.dir().resolve("two-cas.pem"),
                                    pki.ca().certificate(), second.certificate()));
                            return put(s, "tls.crl", TestCert.writeCrls(pki.dir().resolve("crl.pem"), pki.ca().crl()));
                        }),
                breakage("out-of-date CRL", "tls.crl", "is out of date since",
                        (pki, s) -> put(s, "tls.crl", TestCert.writeCrls(pki.dir().resolve("crl.pem"),
                                pki.ca().crl(java.time.Instant.now().minusSeconds(3600))))));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("breakages")
    void startUpAndCheckTlsRefuseWithTheSameMessage(Breakage breakage) {
        TestPki pki = TestPki.create();
        Map<String, String> settings = pki.tlsSettings("echo");
        Path file = breakage.breaker().apply(pki, settings);
        String expectedStart = breakage.setting() + " (" + file + "): ";

        DropwizardTestSupport<EchoApplication.EchoConfiguration> app =
                new DropwizardTestSupport<>(EchoApplication.class, CONFIG, TestPki.overrides(settings));
        String startupMessage;
        try {
            assertThatThrownBy(app::before).isInstanceOf(TlsException.class)
                    .hasMessageStartingWith(expectedStart).hasMessageContaining(breakage.problem());
            startupMessage = catchMessage(app);
        } finally {
            app.after();
        }

        CommandRunner.Result check = CommandRunner.run(new EchoApplication(), settings, "check-tls", CONFIG);
        assertThat(check.succeeded()).isFalse();
        assertThat(check.stderr()).isEqualToIgnoringNewLines("check-tls failed: " + startupMessage);
        assertThat(check.stdout()).contains("PROBLEM  ").contains(breakage.problem());
    }

    private static String catchMessage(DropwizardTestSupport<?> app) {
        try {
            app.before();
            throw new AssertionError("start-up should have failed");
        } catch (TlsException e) {
            return e.getMessage();
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    private static Arguments breakage(String name, String setting, String problem,
                                      BiFunction<TestPki, Map<String, String>, Path> breaker) {
        return Arguments.of(new Breakage(name, setting, problem, breaker));
    }

    private static Path put(Map<String, String> settings, String key, Path file) {
        settings.put(key, file.toString());
        return file;
    }

    /** Gives the server or the client role its own files, holding {@code cert}; returns the certificate file. */
    private static Path client(TestPki pki, Map<String, String> settings, String role, TestCert cert) {
        pki.write(role, cert);
        settings.put("tls." + role + "_cert", pki.certFile(role).toString());
        settings.put("tls." + role + "_key", pki.keyFile(role).toString());
        return pki.certFile(role);
    }

    /** Gives the server role {@code cert} and returns its key file. */
    private static Path key(TestPki pki, Map<String, String> settings, TestCert cert) {
        client(pki, settings, "server", cert);
        return pki.keyFile("server");
    }

    private static Path encrypted(TestPki pki, Map<String, String> settings, String password) {
        TestCert cert = pki.ca().leaf("echo").issue();
        client(pki, settings, "server", cert);
        cert.writeKey(pki.keyFile("server"), KeyFormat.PKCS8_ENCRYPTED, PASSWORD);
        if (password != null) {
            settings.put("tls.key_password", password);
        }
        return pki.keyFile("server");
    }

    private static Path other(TestPki pki) {
        pki.issue("other");
        return pki.keyFile("other");
    }

    private static Path write(TestPki pki, String name, String content) {
        try {
            return Files.writeString(pki.dir().resolve(name), content);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
