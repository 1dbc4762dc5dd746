package com.tiktokmall.mtls.source;

import com.tiktokmall.mtls.TlsException;
import com.tiktokmall.mtls.TlsOptions;
import com.tiktokmall.mtls.testing.MutableClock;
import com.tiktokmall.mtls.testing.SecretMount;
import com.tiktokmall.mtls.testing.TestCert;
import com.tiktokmall.mtls.testing.TestPki;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * The reload rules, one check at a time, with time moved by the test: content changes,
 * half-written pairs, broken and hostile files, symlink swaps, a check that cannot die.
 */
class FileSourceTest {
    private static final Duration INTERVAL = Duration.ofSeconds(30);

    private final MutableClock clock = MutableClock.startingNow();
    private final List<TlsMaterial> changes = new ArrayList<>();
    private final List<Throwable> failures = new ArrayList<>();
    private TestPki pki;
    private FileSource source;

    @BeforeEach
    void issue() {
        pki = TestPki.create();
        pki.issue("echo");
    }

    @Test
    void buildingFailsOnTheFirstProblemNamingSettingAndFile() throws IOException {
        Files.writeString(pki.keyFile("echo"), "not a key\n");

        assertThatThrownBy(() -> source(pki.tlsFiles("echo"))).isInstanceOf(TlsException.class)
                .hasMessageStartingWith("tls.server_key (" + pki.keyFile("echo") + "): ");
    }

    @Test
    void unchangedFilesAreNotReloaded() {
        source = source(pki.tlsFiles("echo"));
        TlsMaterial before = source.current();

        source.check();

        assertThat(source.current()).isSameAs(before);
        assertThat(changes).isEmpty();
    }

    @Test
    void rewrittenFilesAreSwappedInAndSubscribersTold() {
        source = source(pki.tlsFiles("echo"));
        TestCert renewed = pki.issue("echo");

        source.check();

        assertThat(serial()).isEqualTo(renewed.certificate().getSerialNumber());
        assertThat(changes).containsExactly(source.current());
    }

    @Test
    void aPairCaughtHalfWrittenIsNotAnErrorIfItCompletesWithinOneInterval() {
        source = source(pki.tlsFiles("echo"));
        BigInteger before = serial();
        TestCert renewed = pki.ca().leaf("echo").issue();

        renewed.writeKey(pki.keyFile("echo"));
        source.check();
        clock.advance(INTERVAL.minusSeconds(1));
        source.check();
        assertThat(serial()).isEqualTo(before);
        assertThat(source.lastFailure()).isEmpty();
        assertThat(failures).isEmpty();

        renewed.writeCertificate(pki.certFile("echo"));
        source.check();
        assertThat(serial()).isEqualTo(renewed.certificate().getSerialNumber());
        assertThat(source.lastFailure()).isEmpty();
    }

    @Test
    void aBrokenFileKeepsTheOldMaterialOnceTheGraceIsOverAndIsReportedOnce() throws IOException {
        source = source(pki.tlsFiles("echo"));
        BigInteger before = serial();
        Files.writeString(pki.keyFile("echo"), "-----BEGIN PRIVATE KEY-----\ngarbage\n-----END PRIVATE KEY-----\n");

        source.check();
        assertThat(source.lastFailure()).as("within the grace").isEmpty();
        clock.advance(INTERVAL);
        source.check();

        assertThat(serial()).isEqualTo(before);
        assertThat(source.lastFailure()).get().extracting(Throwable::getMessage).asString()
                .startsWith("tls.server_key (" + pki.keyFile("echo") + "): the file is not valid PEM");
        clock.advance(INTERVAL);
        source.check();
        assertThat(failures).as("one failure is reported once").hasSize(1);

        TestCert fixed = pki.issue("echo");
        source.check();
        assertThat(serial()).isEqualTo(fixed.certificate().getSerialNumber());
        assertThat(source.lastFailure()).isEmpty();
    }

    @Test
    void refusedContentIsTriedAgainEachIntervalAndTakenOnceItLoads() {
        source = source(pki.tlsFiles("echo"));
        TestCert early = pki.write("echo", pki.ca().leaf("echo")
                .validity(clock.instant().plusSeconds(90), clock.instant().plus(Duration.ofDays(30))).issue());
        source.check();
        clock.advance(INTERVAL);
        source.check();
        assertThat(source.lastFailure()).get().extracting(Throwable::getMessage).asString().contains("is not valid before");

        clock.advance(Duration.ofSeconds(61));
        source.check();

        assertThat(serial()).isEqualTo(early.certificate().getSerialNumber());
        assertThat(source.lastFailure()).isEmpty();
        assertThat(failures).hasSize(1);
    }

    @Test
    void aSubscriberThatFailsIsReportedOnceNotThrownAtTheScheduler() {
        source = source(pki.tlsFiles("echo"));
        source.onChange(next -> {
            throw new IllegalStateException("Jetty refused the new TLS context");
        });
        TestCert renewed = pki.issue("echo");

        source.check();
        source.check();
        source.check();

        assertThat(serial()).as("in use by the others").isEqualTo(renewed.certificate().getSerialNumber());
        assertThat(source.behind()).get().extracting(Throwable::getMessage).asString()
                .startsWith("not every connector, client and pool took the TLS material in use (server 'echo' serial ")
                .endsWith("); those that did not are told again at every check");
        assertThat(source.lastFailure()).as("the files loaded").isEmpty();
        assertThat(failures).hasSize(1);
    }

    @Test
    void aSubscriberThatFailedIsGivenTheMaterialAgainAtEachCheckUntilItTakesIt() {
        source = source(pki.tlsFiles("echo"));
        List<TlsMaterial> taken = new ArrayList<>();
        source.onChange(refusing(2, taken));
        pki.issue("echo");

        source.check();
        source.check();
        assertThat(taken).isEmpty();
        assertThat(source.behind()).isPresent();

        source.check();

        assertThat(taken).containsExactly(source.current());
        assertThat(changes).as("the subscriber that took it is told once").containsExactly(source.current());
        assertThat(source.behind()).isEmpty();
        assertThat(failures).hasSize(1);
    }

    @Test
    void aSubscriberThatFailedIsGivenTheMaterialAgainWhileNewerFilesDoNotLoad() throws IOException {
        source = source(pki.tlsFiles("echo"));
        List<TlsMaterial> taken = new ArrayList<>();
        source.onChange(refusing(1, taken));
        pki.issue("echo");
        source.check();
        Files.writeString(pki.keyFile("echo"), "not a key\n");

        source.check();

        assertThat(taken).containsExactly(source.current());
        assertThat(source.behind()).isEmpty();
    }

    @Test
    void aReloadSaysWhichSubscriberHasNotTakenTheMaterialAndGivesItAgain() {
        source = source(pki.tlsFiles("echo"));
        List<TlsMaterial> taken = new ArrayList<>();
        source.onChange(refusing(1, taken));
        pki.issue("echo");

        assertThat(source.reload(false, Duration.ofSeconds(5))).startsWith("reloaded: server 'echo' serial ")
                .endsWith("those that did not are told again at every check: java.lang.IllegalStateException:"
                        + " Jetty refused the new TLS context");
        assertThat(source.reload(false, Duration.ofSeconds(5))).startsWith("unchanged: ").doesNotContain("not every");

        assertThat(taken).containsExactly(source.current());
        assertThat(source.behind()).isEmpty();
    }

    @Test
    void anErrorFromASubscriberIsCaughtAndTheOnesAfterItAreStillTold() {
        source = source(pki.tlsFiles("echo"));
        AtomicInteger errors = new AtomicInteger(1);
        source.onChange(next -> {
            if (errors.getAndDecrement() > 0) {
                throw new OutOfMemoryError("Java heap space (thrown by the test)");
            }
        });
        List<TlsMaterial> after = new ArrayList<>();
        source.onChange(after::add);
        pki.issue("echo");

        source.check();

        assertThat(after).containsExactly(source.current());
        assertThat(source.behind()).get().satisfies(failure -> assertThat(failure.getSuppressed())
                .singleElement().isInstanceOf(OutOfMemoryError.class));

        source.check();

        assertThat(source.behind()).isEmpty();
        assertThat(after).as("told once").hasSize(1);
    }

    @Test
    void aSubscriberRegisteredTwiceIsToldTwice() {
        source = source(pki.tlsFiles("echo"));
        AtomicInteger told = new AtomicInteger();
        Consumer<TlsMaterial> counter = next -> told.incrementAndGet();
        source.onChange(counter);
        source.onChange(counter);
        pki.issue("echo");

        source.check();

        assertThat(told).hasValue(2);
    }

    @Test
    void anErrorThrownInAScheduledCheckDoesNotEndTheSchedule() {
        FileSource scheduled = FileSource.watching(pki.tlsFiles("echo"))
                .options(options().toBuilder().checkEvery(Duration.ofMillis(100)).build()).build();
        try {
            scheduled.onChange(changes::add);
            scheduled.onChange(next -> {
                if (changes.size() == 1) {
                    throw new OutOfMemoryError("Java heap space (thrown by the test)");
                }
            });
            scheduled.afterEveryCheck(() -> {
                throw new StackOverflowError("thrown by the test after every check");
            });
            scheduled.start();
            pki.issue("echo");
            await().atMost(10, TimeUnit.SECONDS).until(() -> changes.size() == 1);

            TestCert next = pki.issue("echo");

            await().atMost(10, TimeUnit.SECONDS).until(() ->
                    scheduled.current().server().identity().certificate().getSerialNumber()
                            .equals(next.certificate().getSerialNumber()));
        } finally {
            scheduled.close();
        }
    }

    @Test
    void aFifoAtCaCertIsRefusedWithoutBlocking() throws Exception {
        source = source(pki.tlsFiles("echo"));
        Path fifo = pki.caCert();
        Files.delete(fifo);
        assertThat(new ProcessBuilder("mkfifo", fifo.toString()).start().waitFor()).isZero();

        CompletableFuture<String> reload = CompletableFuture.supplyAsync(() -> source.reload(false, Duration.ofSeconds(5)));

        assertThat(reload.get(10, TimeUnit.SECONDS)).startsWith("reload failed, the previous material stays in use: "
                + "tls.ca_cert (" + fifo + "): this is not a regular file");
        assertThat(source.current().trust().certificates()).hasSize(1);
    }

    @Test
    void aHugeFileIsRefusedWithoutReadingIt() throws IOException {
        source = source(pki.tlsFiles("echo"));
        try (RandomAccessFile huge = new RandomAccessFile(pki.caCert().toFile(), "rw")) {
            huge.setLength(300L * 1024 * 1024); // sparse: no disk is used
        }

        assertThat(source.reload(false, Duration.ofSeconds(5))).startsWith("reload failed, the previous material stays"
                + " in use: tls.ca_cert (" + pki.caCert() + "): the file is larger than 1024 KiB");
    }

    @Test
    void aStartedSourceWhoseChecksStopIsStalledAfterThreeIntervals() {
        source = source(pki.tlsFiles("echo"));
        source.start();
        try {
            clock.advance(INTERVAL.multipliedBy(3));
            assertThat(source.stalled()).isEmpty();

            clock.advance(Duration.ofSeconds(1));
            assertThat(source.stalled()).get().asString().startsWith("no check of the TLS files has completed since");

            source.check();
            assertThat(source.stalled()).isEmpty();
        } finally {
            source.close();
        }
    }

    @Test
    void revertingToTheLoadedFilesClearsAFailure() throws IOException {
        source = source(pki.tlsFiles("echo"));
        byte[] goodKey = Files.readAllBytes(pki.keyFile("echo"));
        Files.writeString(pki.keyFile("echo"), "not a key\n");
        source.check();
        clock.advance(INTERVAL);
        source.check();
        assertThat(source.lastFailure()).isPresent();

        Files.write(pki.keyFile("echo"), goodKey);
        source.check();

        assertThat(source.lastFailure()).isEmpty();
    }

    @Test
    void reloadSwapsChangedFilesAtOnceAndReportsAFailureAtOnce() throws IOException {
        source = source(pki.tlsFiles("echo"));
        TestCert renewed = pki.issue("echo");

        assertThat(source.reload(false, Duration.ofSeconds(5))).startsWith("reloaded: server 'echo' serial "
                + renewed.certificate().getSerialNumber().toString(16));

        Files.writeString(pki.certFile("echo"), "not a certificate\n");
        assertThat(source.reload(false, Duration.ofSeconds(5)))
                .startsWith("reload failed, the previous material stays in use: tls.server_cert");
        assertThat(source.lastFailure()).isPresent();
    }

    @Test
    void reloadOfUnchangedFilesSwapsNothingUnlessForced() {
        source = source(pki.tlsFiles("echo"));
        TlsMaterial before = source.current();

        assertThat(source.reload(false, Duration.ofSeconds(5))).startsWith("unchanged: ");
        assertThat(source.current()).isSameAs(before);

        assertThat(source.reload(true, Duration.ofSeconds(5))).startsWith("reloaded: ");
        assertThat(source.current()).isNotSameAs(before);
        assertThat(changes).hasSize(1);
    }

    @Test
    void reloadGivesUpWaitingForACheckThatHangs() throws Exception {
        source = source(pki.tlsFiles("echo"));
        CountDownLatch inCheck = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        source.onChange(next -> {
            inCheck.countDown();
            awaitQuietly(release);
        });
        pki.issue("echo");
        CompletableFuture<Void> hanging = CompletableFuture.runAsync(source::check);
        assertThat(inCheck.await(10, TimeUnit.SECONDS)).isTrue();

        try {
            assertThat(source.reload(false, Duration.ofMillis(200))).startsWith("reload timed out after ");
        } finally {
            release.countDown();
            hanging.get(10, TimeUnit.SECONDS);
        }
    }

    @Test
    void aRewrittenCrlOfTheOptionsIsAChange() {
        Path crl = TestCert.writeCrls(pki.dir().resolve("crl.pem"), pki.ca().crl());
        source = FileSource.watching(pki.tlsFiles("echo")).options(options().toBuilder().crl(crl).build()).build();
        source.onChange(changes::add);
        TestCert other = pki.ca().leaf("other").issue();

        TestCert.writeCrls(crl, pki.ca().crl(other.certificate()));
        source.check();

        assertThat(changes).hasSize(1);
        assertThat(source.current().trust().crls()).singleElement()
                .satisfies(current -> assertThat(current.isRevoked(other.certificate())).isTrue());
    }

    @Test
    void atomicRenamesAreSeen() throws IOException {
        source = source(pki.tlsFiles("echo"));
        TestCert renewed = pki.ca().leaf("echo").issue();
        Path newCert = renewed.writeCertificate(pki.dir().resolve("new-cert.tmp"));
        Path newKey = renewed.writeKey(pki.dir().resolve("new-key.tmp"));

        Files.move(newKey, pki.keyFile("echo"), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        Files.move(newCert, pki.certFile("echo"), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        source.check();

        assertThat(serial()).isEqualTo(renewed.certificate().getSerialNumber());
    }

    @Test
    void kubernetesSymlinkSwapsAreSeen() {
        SecretMount mount = SecretMount.in(pki.dir().resolve("mount"))
                .publish(Map.of("ca.pem", pki.caCert(), "tls.crt", pki.certFile("echo"), "tls.key", pki.keyFile("echo")));
        source = source(TlsFiles.builder().caCert(mount.file("ca.pem"))
                .server(mount.file("tls.crt"), mount.file("tls.key"))
                .client(mount.file("tls.crt"), mount.file("tls.key")).build());

        TestCert renewed = pki.issue("echo");
        mount.publish(Map.of("ca.pem", pki.caCert(), "tls.crt", pki.certFile("echo"), "tls.key", pki.keyFile("echo")));
        source.check();

        assertThat(serial()).isEqualTo(renewed.certificate().getSerialNumber());
    }

    private TlsOptions options() {
        return TlsOptions.builder().checkEvery(INTERVAL).clock(clock).build();
    }

    private FileSource source(TlsFiles files) {
        FileSource built = FileSource.watching(files).options(options()).build();
        built.onChange(changes::add);
        built.onFailure(failures::add);
        return built;
    }

    /** A subscriber that throws the first {@code times} it is told, then adds what it is given to {@code taken}. */
    private static Consumer<TlsMaterial> refusing(int times, List<TlsMaterial> taken) {
        AtomicInteger refusals = new AtomicInteger(times);
        return next -> {
            if (refusals.getAndDecrement() > 0) {
                throw new IllegalStateException("Jetty refused the new TLS context");
            }
            taken.add(next);
        };
    }

    private BigInteger serial() {
        return source.current().server().identity().certificate().getSerialNumber();
    }

    private static void awaitQuietly(CountDownLatch latch) {
        try {
            latch.await(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
