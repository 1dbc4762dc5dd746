package com.tiktokmall.mtls.dropwizard;

import com.codahale.metrics.MetricRegistry;
import com.tiktokmall.mtls.testing.SecretMount;
import com.tiktokmall.mtls.testing.TestCert;
import com.tiktokmall.mtls.testing.TestPki;
import io.dropwizard.jackson.Jackson;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** The reload rules, one check at a time: content changes, half-written pairs, broken files, symlink swaps. */
class TlsReloaderTest {
    private TestPki pki;
    private TlsMaterialHolder material;
    private MetricRegistry metrics;

    @BeforeEach
    void issue() {
        pki = TestPki.create();
        pki.issue("echo");
    }

    @Test
    void unchangedFilesAreNotReloaded() {
        TlsReloader reloader = reloader(pki.tlsSettings("echo"));
        TlsMaterial before = material.current();

        reloader.check();

        assertThat(material.current()).isSameAs(before);
        assertThat(metrics.counter("tls.reloads.succeeded").getCount()).isZero();
    }

    @Test
    void rewrittenFilesAreSwappedIn() {
        TlsReloader reloader = reloader(pki.tlsSettings("echo"));
        TestCert renewed = pki.issue("echo");

        reloader.check();

        assertThat(serial()).isEqualTo(renewed.certificate().getSerialNumber());
        assertThat(metrics.counter("tls.reloads.succeeded").getCount()).isEqualTo(1);
    }

    @Test
    void aPairCaughtHalfWrittenIsNotAnErrorIfItCompletesWithinOneInterval() {
        TlsReloader reloader = reloader(pki.tlsSettings("echo"));
        BigInteger before = serial();
        TestCert renewed = pki.ca().leaf("echo").issue();

        renewed.writeKey(pki.keyFile("echo"));
        reloader.check();
        assertThat(serial()).isEqualTo(before);
        assertThat(reloader.lastFailure()).isEmpty();
        assertThat(metrics.counter("tls.reloads.failed").getCount()).isZero();

        renewed.writeCertificate(pki.certFile("echo"));
        reloader.check();
        assertThat(serial()).isEqualTo(renewed.certificate().getSerialNumber());
        assertThat(reloader.lastFailure()).isEmpty();
    }

    @Test
    void aBrokenFileKeepsTheOldMaterialUntilFixed() throws IOException {
        TlsReloader reloader = reloader(pki.tlsSettings("echo"));
        BigInteger before = serial();
        Files.writeString(pki.keyFile("echo"), "-----BEGIN PRIVATE KEY-----\ngarbage\n-----END PRIVATE KEY-----\n");

        reloader.check();
        reloader.check();

        assertThat(serial()).isEqualTo(before);
        assertThat(reloader.lastFailure()).get().extracting(Throwable::getMessage).asString()
                .startsWith("tls.server_key (" + pki.keyFile("echo") + "): the file is not valid PEM");
        assertThat(metrics.counter("tls.reloads.failed").getCount()).isEqualTo(1);
        reloader.check();
        assertThat(metrics.counter("tls.reloads.failed").getCount()).as("one failure is counted once").isEqualTo(1);

        TestCert fixed = pki.issue("echo");
        reloader.check();
        assertThat(serial()).isEqualTo(fixed.certificate().getSerialNumber());
        assertThat(reloader.lastFailure()).isEmpty();
    }

    @Test
    void refusedContentIsTriedAgainEachIntervalAndTakenOnceItLoads() {
        TlsReloader reloader = reloader(pki.tlsSettings("echo"));
        TestCert early = pki.write("echo", pki.ca().leaf("echo")
                .validity(Instant.now().plusSeconds(2), Instant.now().plus(Duration.ofDays(30))).issue());
        reloader.check();
        reloader.check();
        assertThat(reloader.lastFailure()).get().extracting(Throwable::getMessage).asString().contains("is not valid before");

        await().atMost(10, TimeUnit.SECONDS).untilAsserted(() -> {
            reloader.check();
            assertThat(serial()).isEqualTo(early.certificate().getSerialNumber());
        });
        assertThat(reloader.lastFailure()).isEmpty();
        assertThat(metrics.counter("tls.reloads.failed").getCount()).isEqualTo(1);
    }

    @Test
    void aSubscriberThatFailsIsReportedNotThrownAtTheScheduler() {
        TlsReloader reloader = reloader(pki.tlsSettings("echo"));
        material.onSwap(next -> {
            throw new IllegalStateException("Jetty refused the new TLS context");
        });
        pki.issue("echo");

        reloader.check();

        assertThat(reloader.lastFailure()).get().extracting(Throwable::getMessage).asString()
                .isEqualTo("not every connector and client took the new TLS material");
        assertThat(metrics.counter("tls.reloads.failed").getCount()).isEqualTo(1);
    }

    @Test
    void revertingToTheLoadedFilesClearsAFailure() throws IOException {
        TlsReloader reloader = reloader(pki.tlsSettings("echo"));
        byte[] goodKey = Files.readAllBytes(pki.keyFile("echo"));
        Files.writeString(pki.keyFile("echo"), "not a key\n");
        reloader.check();
        reloader.check();
        assertThat(reloader.lastFailure()).isPresent();

        Files.write(pki.keyFile("echo"), goodKey);
        reloader.check();

        assertThat(reloader.lastFailure()).isEmpty();
    }

    @Test
    void theTaskReloadsAtOnceAndReportsAFailureAtOnce() throws IOException {
        TlsReloader reloader = reloader(pki.tlsSettings("echo"));
        TestCert renewed = pki.issue("echo");

        assertThat(reloader.reloadNow()).startsWith("reloaded: server 'echo' serial "
                + renewed.certificate().getSerialNumber().toString(16));

        Files.writeString(pki.certFile("echo"), "not a certificate\n");
        assertThat(reloader.reloadNow()).startsWith("reload failed, the previous material stays in use: tls.server_cert");
        assertThat(reloader.lastFailure()).isPresent();
    }

    @Test
    void atomicRenamesAreSeen() throws IOException {
        TlsReloader reloader = reloader(pki.tlsSettings("echo"));
        TestCert renewed = pki.ca().leaf("echo").issue();
        Path newCert = renewed.writeCertificate(pki.dir().resolve("new-cert.tmp"));
        Path newKey = renewed.writeKey(pki.dir().resolve("new-key.tmp"));

        Files.move(newKey, pki.keyFile("echo"), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        Files.move(newCert, pki.certFile("echo"), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        reloader.check();

        assertThat(serial()).isEqualTo(renewed.certificate().getSerialNumber());
    }

    @Test
    void kubernetesSymlinkSwapsAreSeen() {
        SecretMount mount = SecretMount.in(pki.dir().resolve("mount"))
                .publish(Map.of("ca.pem", pki.caCert(), "tls.crt", pki.certFile("echo"), "tls.key", pki.keyFile("echo")));
        TlsReloader reloader = reloader(Map.of("tls.ca_cert", mount.file("ca.pem").toString(),
                "tls.server_cert", mount.file("tls.crt").toString(), "tls.server_key", mount.file("tls.key").toString(),
                "tls.client_cert", mount.file("tls.crt").toString(), "tls.client_key", mount.file("tls.key").toString()));

        TestCert renewed = pki.issue("echo");
        mount.publish(Map.of("ca.pem", pki.caCert(), "tls.crt", pki.certFile("echo"), "tls.key", pki.keyFile("echo")));
        reloader.check();

        assertThat(serial()).isEqualTo(renewed.certificate().getSerialNumber());
    }

    private TlsReloader reloader(Map<String, String> settings) {
        TlsConfiguration tls = configuration(settings);
        material = new TlsMaterialHolder(TlsMaterial.load(tls));
        metrics = new MetricRegistry();
        return new TlsReloader(tls, material, TlsReloader.content(tls), Executors.newSingleThreadScheduledExecutor(), metrics);
    }

    private BigInteger serial() {
        return material.current().server().identity().certificate().getSerialNumber();
    }

    /** A tls block from "tls.key" settings, as the YAML would give it. */
    static TlsConfiguration configuration(Map<String, String> settings) {
        Map<String, Object> block = new java.util.HashMap<>();
        settings.forEach((key, value) -> block.put(key.substring("tls.".length()), value));
        return Jackson.newObjectMapper().convertValue(block, TlsConfiguration.class);
    }
}
