package com.tiktokmall.mtls.reload;

import com.tiktokmall.mtls.testing.MutableClock;
import com.tiktokmall.mtls.testing.TestPki;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;

/**
 * The source around its checks: starting and closing, the lock a check and a reload share, an
 * interrupted reload, failures of subscribers, and which bytes count as a change.
 */
class TlsMaterialSourceLifecycleTest {
    private static final Duration INTERVAL = Duration.ofSeconds(30);
    private static final Duration WAIT = Duration.ofSeconds(2);

    private final MutableClock clock = MutableClock.startingNow();
    private final List<TlsMaterial> changes = new ArrayList<>();
    private TestPki pki;
    private TlsMaterialSource source;

    @BeforeEach
    void build() {
        pki = TestPki.create();
        pki.issue("echo");
        source = TlsMaterialSource.watching(pki.tlsFiles("echo")).checkEvery(INTERVAL).clock(clock).build();
        source.onChange(changes::add);
    }

    @AfterEach
    void close() {
        source.close();
    }

    @Test
    void tellsItsClockAndInterval() {
        assertThat(source.clock()).isSameAs(clock);
        assertThat(source.interval()).isEqualTo(INTERVAL);
    }

    @Test
    void closingASourceNeverStartedIsFineAndClosingAStartedOneStopsItsScheduler() {
        assertThatCode(source::close).doesNotThrowAnyException();

        ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor();
        source.start(scheduler);
        source.close();

        assertThat(scheduler.isShutdown()).isTrue();
        assertThat(source.stalled()).isEmpty();
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
    void anOfferLeavesTheLockFreeForAReloadFromAnotherThread() throws Exception {
        TlsMaterialSource pushed = TlsMaterialSource.pushed(source.current()).clock(clock).build();
        pki.issue("echo");

        assertThat(pushed.offer(() -> TlsMaterial.load(pki.tlsFiles("echo"), clock))).isTrue();

        assertThat(CompletableFuture.supplyAsync(() -> pushed.reload(false, WAIT)).get(10, TimeUnit.SECONDS))
                .startsWith("unchanged: the Workload API pushes");
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
        TlsMaterialSource separate = TlsMaterialSource.watching(TlsFiles.builder().caCert(pki.caCert())
                .server(pki.certFile("echo"), pki.keyFile("echo")).client(pki.certFile("other"), pki.keyFile("other"))
                .build()).checkEvery(INTERVAL).clock(clock).build();
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
