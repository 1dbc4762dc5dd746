package com.tiktokmall.mtls.testing;

import io.dropwizard.testing.ConfigOverride;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A directory laid out like the output of scripts/generate_certs.sh ({@code ca-cert.pem},
 * {@code <svc>-cert.pem}, {@code <svc>-key.pem}), made at test time in a temporary directory.
 *
 * <pre>{@code
 * static final TestPki PKI = TestPki.create();
 * static final DropwizardAppExtension<AuthConfiguration> APP = new DropwizardAppExtension<>(
 *         AuthApplication.class, "config/auth.yml", PKI.tlsOverrides("auth"));
 * }</pre>
 */
public final class TestPki {
    private final Path dir;
    private final TestCa ca;

    private TestPki(Path dir, TestCa ca) {
        this.dir = dir;
        this.ca = ca;
        TestCert.writePem(caCert(), ca.certificate());
    }

    /** A fresh CA in a new temporary directory. */
    public static TestPki create() {
        try {
            return new TestPki(Files.createTempDirectory("mtls-pki-"), TestCa.create("TikTokMall Test CA"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public Path dir() {
        return dir;
    }

    public TestCa ca() {
        return ca;
    }

    public Path caCert() {
        return dir.resolve("ca-cert.pem");
    }

    public Path certFile(String name) {
        return dir.resolve(name + "-cert.pem");
    }

    public Path keyFile(String name) {
        return dir.resolve(name + "-key.pem");
    }

    /** Issues the default certificate for {@code service} and writes its two files. */
    public TestCert issue(String service) {
        return write(service, ca.leaf(service).issue());
    }

    /** Writes {@code cert} as {@code <name>-cert.pem} and {@code <name>-key.pem}. */
    public TestCert write(String name, TestCert cert) {
        cert.writeCertificate(certFile(name));
        cert.writeKey(keyFile(name));
        return cert;
    }

    /**
     * Overrides pointing every file of the {@code tls} block at {@code service}'s files, issuing
     * them now if they do not exist yet.
     */
    public ConfigOverride[] tlsOverrides(String service) {
        if (!Files.exists(certFile(service))) {
            issue(service);
        }
        return new ConfigOverride[] {
            ConfigOverride.config("tls.enabled", "true"),
            ConfigOverride.config("tls.ca_cert", caCert().toString()),
            ConfigOverride.config("tls.server_cert", certFile(service).toString()),
            ConfigOverride.config("tls.server_key", keyFile(service).toString()),
            ConfigOverride.config("tls.client_cert", certFile(service).toString()),
            ConfigOverride.config("tls.client_key", keyFile(service).toString()),
        };
    }
}
