package com.tiktokmall.mtls.source;

import com.tiktokmall.mtls.TlsOptions;
import com.tiktokmall.mtls.testing.MutableClock;
import com.tiktokmall.mtls.testing.TestCert;
import com.tiktokmall.mtls.testing.TestPki;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * The source around its checks: starting and closing, the lock a check and a reload share, an
 * interrupted reload, failures of subscribers, and which bytes count as a change.
 */
class TlsSourceLifecycleTest {
    private static final Duration INTERVAL = Duration.ofSeconds(30);
    private static final Duration WAIT = Duration.ofSeconds(2);

    private final MutableClock clock = MutableClock.startingNow();
    private final TlsOptions options = TlsOptions.builder().checkEvery(INTERVAL).clock(clock).build();
    private final List<TlsMaterial> changes = new ArrayList<>();
    private TestPki pki;
    private FileSource source;

    @BeforeEach
    void build() {
        pki = TestPki.create();
        pki.issue("echo");
        source = FileSource.watching(pki.tlsFiles("echo")).options(options).build();
        source.onChange(changes::add);
    }

    @AfterEach
    void close() {
        source.close();
    }

    @Test
    void tellsItsOptionsClockAndIntervalAndFiles() {
        assertThat(source.options()).isSameAs(options);
        assertThat(source.options().clock()).isSameAs(clock);
        assertThat(source.options().checkEvery()).isEqualTo(INTERVAL);
        assertThat(source.files().caCert()).isEqualTo(pki.caCert());
    }

    @Test
    void closingASourceNeverStartedIsFine() {
        assertThatCode(source::close).doesNotThrowAnyException();
        assertThat(source.stalled()).isEmpty();
    }

    @Test
    void startRunsTheChecksOnAThreadOfItsOwnAndCloseEndsThatThread() {
        FileSource started = FileSource.watching(pki.tlsFiles("echo"))
                .options(options.toBuilder().checkEvery(Duration.ofMillis(20)).build()).build();
        Set<Thread> checkers = ConcurrentHashMap.newKeySet();
        AtomicInteger checks = new AtomicInteger();
        started.afterEveryCheck(() -> {
            checkers.add(Thread.currentThread());
            checks.incrementAndGet();
        });
        try {
            started.start();
            await().atMost(10, TimeUnit.SECONDS).until(() -> checks.get() >= 3);
            assertThat(checkers).singleElement().satisfies(thread -> {
                assertThat(thread).isNotSameAs(Thread.currentThread());
                assertThat(thread.getName()).isEqualTo("tls-source-check");
                assertThat(thread.isDaemon()).as("never keeps the JVM up").isTrue();
            });
            TestCert renewed = pki.issue("echo");
            await("new files taken by the source's own checks").atMost(10, TimeUnit.SECONDS).until(() ->
                    started.current().server().identity().certificate().equals(renewed.certificate()));
        } finally {
            started.close();
        }
        Thread checker = checkers.iterator().next();

        await("the check thread ends").atMost(10, TimeUnit.SECONDS).until(() -> !checker.isAlive());

        assertThat(checkers).as("no other thread took over").containsExactly(checker);
        clock.advance(INTERVAL.multipliedBy(4));
        assertThat(started.stalled()).as("a closed source is not expected to check").isEmpty();
    }

    @Test
    void aSourceIsStartedOnce() {
        source.start();

        assertThatThrownBy(source::start).isInstanceOf(IllegalStateException.class)
                .hasMessage("the TLS source is started already");
    }

    @Test
    void aCheckLeavesTheLockFreeForAReloadFromAnotherThread() throws Exception {
        source.check();

        assertThat(reloadFromAnotherThread()).startsWith("unchanged: ");
    }

    @Test
    void aReloadLeavesTheLockFreeForTheNextOneFromAnotherThread() throws Exception {
        source.reload(false, WAIT);

        assertThat(reloadFromAnotherThread()).startsWith("unchanged: ");
    }

    @Test
    void anInterruptedReloadChangesNothingAndKeepsTheInterrupt() {
        pki.issue("echo");
        Thread.currentThread().interrupt();

        String outcome = source.reload(false, WAIT);

        assertThat(Thread.interrupted()).isTrue();
        assertThat(outcome).isEqualTo("reload interrupted; the current material stays in use");
        assertThat(changes).isEmpty();
    }

    @Test
    void aReloadFindingTheFilesInUseAgainClearsTheFailure() throws IOException {
        byte[] goodKey = Files.readAllBytes(pki.keyFile("echo"));
        Files.writeString(pki.keyFile("echo"), "not a key\n");
        assertThat(source.reload(false, WAIT)).startsWith("reload failed");
        assertThat(source.lastFailure()).isPresent();

        Files.write(pki.keyFile("echo"), goodKey);

        assertThat(source.reload(false, WAIT)).startsWith("unchanged: ");
        assertThat(source.lastFailure()).isEmpty();
    }

    @Test
    void everySubscriberThatFailsIsKeptInTheFailure() {
        IllegalStateException jetty = new IllegalStateException("Jetty refused the new TLS context");
        IllegalStateException client = new IllegalStateException("the client refused it too");
        source.onChange(next -> {
            throw jetty;
        });
        source.onChange(next -> {
            throw client;
        });
        pki.issue("echo");

        source.reload(false, WAIT);

        assertThat(source.behind()).get().satisfies(failure -> assertThat(failure.getSuppressed())
                .containsExactly(jetty, client));
        assertThat(changes).hasSize(1);
    }

    @Test
    void bytesMovedFromOneFileToTheNextAreAChange() throws IOException {
        pki.issue("other");
        FileSource separate = FileSource.watching(TlsFiles.builder().caCert(pki.caCert())
                .server(pki.certFile("echo"), pki.keyFile("echo")).client(pki.certFile("other"), pki.keyFile("other"))
                .build()).options(options).build();
        separate.onChange(changes::add);
        String ca = Files.readString(pki.caCert());
        String cert = Files.readString(pki.certFile("echo"));
        assertThat(ca).endsWith("\n");
        Files.writeString(pki.caCert(), ca.substring(0, ca.length() - 1));
        Files.writeString(pki.certFile("echo"), "\n" + cert);

        separate.check();

        assertThat(changes).hasSize(1);
    }

    @Test
    void aFileOfExactlyTheSizeLimitIsComparedByItsContent() throws IOException {
        String ca = Files.readString(pki.caCert());
        int padding = com.tiktokmall.mtls.Pem.MAX_FILE_BYTES - ca.length() - 1;
        Files.writeString(pki.caCert(), ca + "#".repeat(padding) + "\n");
        source.reload(false, WAIT);
        changes.clear();
        java.nio.file.attribute.FileTime modified = Files.getLastModifiedTime(pki.caCert());

        Files.writeString(pki.caCert(), ca + "%".repeat(padding) + "\n");
        Files.setLastModifiedTime(pki.caCert(), modified);
        source.check();

        assertThat(changes).hasSize(1);
    }

    private String reloadFromAnotherThread() throws Exception {
        return CompletableFuture.supplyAsync(() -> source.reload(false, WAIT)).get(10, TimeUnit.SECONDS);
    }
}
