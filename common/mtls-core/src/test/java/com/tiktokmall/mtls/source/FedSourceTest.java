package com.tiktokmall.mtls.source;

import com.tiktokmall.mtls.TlsException;
import com.tiktokmall.mtls.TlsOptions;
import com.tiktokmall.mtls.testing.MutableClock;
import com.tiktokmall.mtls.testing.TestCert;
import com.tiktokmall.mtls.testing.TestPki;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A source told of new material ({@link TlsSource#fed}), the base of the Workload API's: offers,
 * a lost origin, subscribers that catch up at each check, and reloads that have nothing to poll.
 */
class FedSourceTest {
    private static final Duration INTERVAL = Duration.ofSeconds(30);
    private static final String ORIGIN = "the Workload API at unix:///run/spire/agent.sock";

    private final MutableClock clock = MutableClock.startingNow();
    private final TlsOptions options = TlsOptions.builder().checkEvery(INTERVAL).clock(clock).build();
    private final List<TlsMaterial> changes = new ArrayList<>();
    private final List<Throwable> failures = new ArrayList<>();
    private TestPki pki;
    private TlsSource.Feed pushed;

    @BeforeEach
    void build() {
        pki = TestPki.create();
        pki.issue("echo");
        pushed = TlsSource.fed(load(), options, ORIGIN);
        pushed.onChange(changes::add);
        pushed.onFailure(failures::add);
    }

    @AfterEach
    void close() {
        pushed.close();
    }

    @Test
    void pushedMaterialIsInUseAndGivenAgainToASubscriberThatFailed() {
        List<TlsMaterial> taken = new ArrayList<>();
        pushed.onChange(refusing(1, taken));
        TestCert renewed = pki.issue("echo");

        assertThat(pushed.offer(this::load)).isTrue();
        assertThat(pushed.current().server().identity().certificate()).isEqualTo(renewed.certificate());
        assertThat(pushed.behind()).isPresent();

        pushed.check();

        assertThat(taken).containsExactly(pushed.current());
        assertThat(pushed.behind()).isEmpty();
        assertThat(pushed.lastFailure()).isEmpty();
    }

    @Test
    void aLostFeederStaysTheLastFailureWhileASubscriberCatchesUp() {
        List<TlsMaterial> taken = new ArrayList<>();
        pushed.onChange(refusing(2, taken));
        pki.issue("echo");
        pushed.offer(this::load);
        IllegalStateException agentGone = new IllegalStateException("the agent ended the stream");
        pushed.interrupted(agentGone);

        pushed.check();
        assertThat(pushed.lastFailure()).containsSame(agentGone);
        pushed.check();

        assertThat(taken).containsExactly(pushed.current());
        assertThat(pushed.behind()).isEmpty();
        assertThat(pushed.lastFailure()).containsSame(agentGone);
    }

    @Test
    void anOfferThatDoesNotLoadKeepsTheMaterialInUseUntilAGoodOne() {
        TlsMaterial before = pushed.current();
        TlsException refused = TlsException.invalid("the SVID is not valid", null);

        assertThat(pushed.offer(() -> {
            throw refused;
        })).isFalse();

        assertThat(pushed.current()).isSameAs(before);
        assertThat(pushed.lastFailure()).containsSame(refused);
        assertThat(failures).containsExactly(refused);
        assertThat(changes).isEmpty();

        TestCert renewed = pki.issue("echo");
        assertThat(pushed.offer(this::load)).isTrue();

        assertThat(pushed.current().server().identity().certificate()).isEqualTo(renewed.certificate());
        assertThat(pushed.lastFailure()).isEmpty();
        assertThat(changes).containsExactly(pushed.current());
    }

    @Test
    void aReloadHasNothingToPollAndSaysWhereTheMaterialComesFrom() {
        TlsMaterial before = pushed.current();

        assertThat(pushed.reload(true, Duration.ofSeconds(5))).isEqualTo("unchanged: " + ORIGIN
                + " pushes every new certificate and bundle as it is issued (" + before + ")");
        assertThat(pushed.current()).isSameAs(before);
        assertThat(changes).isEmpty();
    }

    @Test
    void anOfferLeavesTheLockFreeForAReloadFromAnotherThread() throws Exception {
        pki.issue("echo");

        assertThat(pushed.offer(this::load)).isTrue();

        assertThat(CompletableFuture.supplyAsync(() -> pushed.reload(false, Duration.ofSeconds(2)))
                .get(10, TimeUnit.SECONDS)).startsWith("unchanged: " + ORIGIN + " pushes");
    }

    @Test
    void itHasTheOptionsItWasGivenAndNamesItsOriginWhenStalled() {
        assertThat(pushed.options()).isSameAs(options);
        pushed.start();

        clock.advance(INTERVAL.multipliedBy(3).plusSeconds(1));

        assertThat(pushed.stalled()).get().asString().startsWith("no check of " + ORIGIN + " has completed since");
        pushed.offer(this::load);
        assertThat(pushed.stalled()).as("an offer is news from the origin").isEmpty();
    }

    private TlsMaterial load() {
        return TlsMaterial.load(pki.tlsFiles("echo"), options);
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
}
