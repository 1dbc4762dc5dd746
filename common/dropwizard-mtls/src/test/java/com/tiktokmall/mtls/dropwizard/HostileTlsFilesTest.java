package com.tiktokmall.mtls.dropwizard;

import com.tiktokmall.mtls.testing.EchoApplication;
import com.tiktokmall.mtls.testing.MtlsTestClient;
import com.tiktokmall.mtls.testing.MtlsTestClient.Reply;
import com.tiktokmall.mtls.testing.TestCa;
import com.tiktokmall.mtls.testing.TestCert;
import com.tiktokmall.mtls.testing.TestPki;
import io.dropwizard.testing.ResourceHelpers;
import io.dropwizard.testing.junit5.DropwizardAppExtension;
import io.dropwizard.testing.junit5.DropwizardExtensionsSupport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A running service whose {@code ca_cert} turns hostile — a FIFO, a 300 MB file — and whose
 * reload meets an {@link OutOfMemoryError}: the reloader neither hangs nor dies, the health check
 * says what is wrong, {@code reload-tls} still answers, and good content is taken afterwards.
 */
@ExtendWith(DropwizardExtensionsSupport.class)
class HostileTlsFilesTest {
    private static final TestPki PKI = TestPki.create();
    private static final DropwizardAppExtension<EchoApplication.EchoConfiguration> APP = new DropwizardAppExtension<>(
            EchoApplication.class, ResourceHelpers.resourceFilePath("echo.yml"), TestPki.overrides(settings()));
    /** Two reload intervals (the second is the grace for half-written files) and room for a loaded machine. */
    private static final long WITHIN_SECONDS = 8;

    private static Map<String, String> settings() {
        Map<String, String> settings = PKI.tlsSettings("echo");
        settings.put("tls.reload_interval", "1s");
        return settings;
    }

    @Test
    void aFifoAndAHugeFileAtCaCertNeitherHangNorKillTheReloaderAndGoodContentIsTakenAfterwards() throws Exception {
        MtlsTestClient ops = MtlsTestClient.as(PKI.issue("ops"), PKI.ca());
        MtlsTestClient gateway = MtlsTestClient.as(PKI.issue("gateway"), PKI.ca());
        Path caCert = PKI.caCert();

        Files.delete(caCert);
        assertThat(new ProcessBuilder("mkfifo", caCert.toString()).start().waitFor()).isZero();
        assertUnhealthyAndReloadAnswers(ops, "tls.ca_cert (" + caCert + "): this is not a regular file");
        assertThat(gateway.get(whoami()).status()).as("the old material is still served").isEqualTo(200);

        Files.delete(caCert);
        try (RandomAccessFile huge = new RandomAccessFile(caCert.toFile(), "rw")) {
            huge.setLength(300L * 1024 * 1024); // sparse: no disk is used
        }
        assertUnhealthyAndReloadAnswers(ops, "tls.ca_cert (" + caCert + "): the file is larger than 1024 KiB");

        TestCa second = TestCa.create("Second CA");
        Files.delete(caCert);
        TestCert.writeCertificates(caCert, PKI.ca().certificate(), second.certificate());
        MtlsTestClient fromSecond = MtlsTestClient.as(second.leaf("gateway").issue(), PKI.ca(), second);
        await().ignoreExceptions().atMost(WITHIN_SECONDS, TimeUnit.SECONDS).untilAsserted(() -> {
            assertThat(fromSecond.get(whoami()).status()).isEqualTo(200);
            assertThat(health(gateway).status()).isEqualTo(200);
        });
    }

    @Test
    void anOutOfMemoryErrorInAReloadLeavesTheReloaderRunning() throws Exception {
        AtomicBoolean thrown = new AtomicBoolean();
        APP.<EchoApplication>getApplication().mtls.source().orElseThrow().onChange(material -> {
            if (thrown.compareAndSet(false, true)) {
                throw new OutOfMemoryError("Java heap space (thrown by the test)");
            }
        });
        MtlsTestClient gateway = MtlsTestClient.as(PKI.issue("gateway"), PKI.ca());

        TestCa third = TestCa.create("Third CA");
        TestCert.writeCertificates(PKI.caCert(), PKI.ca().certificate(), third.certificate());
        await().atMost(WITHIN_SECONDS, TimeUnit.SECONDS).until(thrown::get);

        TestCa fourth = TestCa.create("Fourth CA");
        TestCert.writeCertificates(PKI.caCert(), PKI.ca().certificate(), fourth.certificate());
        MtlsTestClient fromFourth = MtlsTestClient.as(fourth.leaf("gateway").issue(), PKI.ca(), fourth);
        await().ignoreExceptions().atMost(WITHIN_SECONDS, TimeUnit.SECONDS).untilAsserted(() -> {
            assertThat(fromFourth.get(whoami()).status()).isEqualTo(200);
            assertThat(health(gateway).status()).isEqualTo(200);
        });
    }

    private static void assertUnhealthyAndReloadAnswers(MtlsTestClient ops, String reason) {
        await().atMost(WITHIN_SECONDS, TimeUnit.SECONDS).untilAsserted(() -> {
            Reply health = health(ops);
            assertThat(health.status()).isEqualTo(500);
            assertThat(health.json().path("tls").path("message").asText()).contains("the last reload failed", reason);
        });
        long start = System.nanoTime();
        Reply reload = ops.post("https://localhost:" + APP.getAdminPort() + "/tasks/reload-tls");
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(6));
        assertThat(reload.status()).isEqualTo(200);
        assertThat(reload.body()).startsWith("reload failed, the previous material stays in use: " + reason);
    }

    private static Reply health(MtlsTestClient client) {
        return client.get("https://localhost:" + APP.getAdminPort() + "/healthcheck");
    }

    private static String whoami() {
        return "https://localhost:" + APP.getLocalPort() + "/whoami";
    }
}
