package com.tiktokmall.mtls.testing;

import com.tiktokmall.mtls.source.TlsFiles;
import io.dropwizard.testing.ConfigOverride;
import org.bouncycastle.openssl.jcajce.JcaPKCS8Generator;
import org.bouncycastle.util.io.pem.PemGenerationException;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

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

    /** An EC P-256 PKCS#8 key as auth's token-signing key, like scripts/generate_certs.sh makes. */
    public Path tokenSigningKey() {
        return tokenSigningKey("token-signing-key");
    }

    /** Another such key, {@code <name>.pem}, made on first use: a previous or next signing key. */
    public Path tokenSigningKey(String name) {
        Path file = dir.resolve(name + ".pem");
        if (!Files.exists(file)) {
            try {
                TestCert.writePem(file, new JcaPKCS8Generator(TestCa.KeyPairs.ec("secp256r1").getPrivate(), null));
            } catch (PemGenerationException e) {
                throw new IllegalStateException(e);
            }
        }
        return file;
    }

    /**
     * Overrides pointing every file of the {@code tls} block at {@code service}'s files, issuing
     * them now if they do not exist yet.
     */
    public ConfigOverride[] tlsOverrides(String service) {
        return overrides(tlsSettings(service));
    }

    /** The tls files of {@code service} for a {@code FileSource}: its pair in both roles. */
    public TlsFiles tlsFiles(String service) {
        return TlsFiles.builder().caCert(caCert()).server(certFile(service), keyFile(service))
                .client(certFile(service), keyFile(service)).build();
    }

    /**
     * The {@code tls.*} settings for {@code service}'s files, issuing them now if they do not exist
     * yet: a mutable map, for tests that break one setting before calling {@link #overrides(Map)}.
     */
    public Map<String, String> tlsSettings(String service) {
        if (!Files.exists(certFile(service))) {
            issue(service);
        }
        Map<String, String> settings = new LinkedHashMap<>();
        settings.put("tls.enabled", "true");
        settings.put("tls.ca_cert", caCert().toString());
        settings.put("tls.server_cert", certFile(service).toString());
        settings.put("tls.server_key", keyFile(service).toString());
        settings.put("tls.client_cert", certFile(service).toString());
        settings.put("tls.client_key", keyFile(service).toString());
        // mvn verify -Dmtls.test.provider=conscrypt runs the service-level tests on another TLS provider
        String provider = System.getProperty("mtls.test.provider");
        if (provider != null) {
            settings.put("tls.provider", provider);
        }
        return settings;
    }

    /** One {@code dw.} override per entry; Dropwizard keeps overrides in a set, so each key must appear once. */
    public static ConfigOverride[] overrides(Map<String, String> settings) {
        return overrides("dw.", settings);
    }

    /**
     * Overrides under a prefix of their own, for two services in one JVM: system properties are
     * global, so with the shared {@code dw.} prefix one service would read the other's settings.
     * Pass the same prefix to {@code DropwizardTestSupport}.
     */
    public static ConfigOverride[] overrides(String prefix, Map<String, String> settings) {
        return settings.entrySet().stream()
                .map(e -> ConfigOverride.config(prefix, e.getKey(), e.getValue()))
                .toArray(ConfigOverride[]::new);
    }
}
