package com.tiktokmall.mtls.spiffe;

import com.tiktokmall.mtls.TlsException;
import com.tiktokmall.mtls.TlsOptions;
import com.tiktokmall.mtls.source.TlsMaterial;
import com.tiktokmall.mtls.source.TlsSource;
import com.tiktokmall.mtls.testing.FakeSpireAgent;
import com.tiktokmall.mtls.testing.MutableClock;
import com.tiktokmall.mtls.testing.TestCa;
import com.tiktokmall.mtls.testing.TestCert;
import com.tiktokmall.mtls.testing.TestPki;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.spiffe.workloadapi.grpc.SpiffeWorkloadAPIGrpc;
import io.spiffe.workloadapi.grpc.Workload;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.math.BigInteger;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

class WorkloadApiSourceTest {
    private static final TestPki PKI = TestPki.create();
    private final FakeSpireAgent agent = FakeSpireAgent.serving("auth", PKI.ca(), PKI.dir().resolve("agent.sock"));
    private WorkloadApiSource source;

    @AfterEach
    void stop() {
        if (source != null) {
            source.close();
        }
        agent.close();
    }

    @Test
    void startsWithTheAgentsSvidAndTakesEveryRotation() {
        agent.start();
        TlsSource source = connect();
        assertThat(serial(source)).isEqualTo(agent.current().certificate().getSerialNumber());
        assertThat(source.current().server().identity().certificate().getSubjectX500Principal().getName()).isEmpty();
        List<TlsMaterial> changes = new CopyOnWriteArrayList<>();
        source.onChange(changes::add);
        for (int i = 1; i <= 3; i++) {
            BigInteger next = agent.rotate().certificate().getSerialNumber();
            await().atMost(5, TimeUnit.SECONDS).until(() -> serial(source).equals(next));
            assertThat(changes).hasSize(i);
        }
        assertThat(source.lastFailure()).isEmpty();
        assertThat(agent.refusedCalls()).isZero();
    }

    @Test
    void theAgentRefusesCallsWithoutTheSecurityHeader() {
        agent.start();
        ManagedChannel bare = Grpc.newChannelBuilder(agent.address().toString(), InsecureChannelCredentials.create()).build();
        try {
            assertThatThrownBy(() -> SpiffeWorkloadAPIGrpc.newBlockingStub(bare)
                    .fetchX509SVID(Workload.X509SVIDRequest.getDefaultInstance()).next())
                    .isInstanceOfSatisfying(StatusRuntimeException.class,
                            e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT));
            assertThat(agent.refusedCalls()).isEqualTo(1);
        } finally {
            bare.shutdownNow();
        }
    }

    @Test
    void startUpFailsClosedWithoutASocket() {
        WorkloadApiSource.Builder builder = WorkloadApiSource.at(URI.create("unix://" + PKI.dir().resolve("nothing-here.sock")))
                .timeout(Duration.ofSeconds(1)).backoff(Duration.ofMillis(100), Duration.ofMillis(200));

        assertThatThrownBy(builder::connect).isInstanceOf(TlsException.class)
                .hasMessageStartingWith("there is no socket at " + PKI.dir().resolve("nothing-here.sock") + " (waited 1 s)."
                        + " Fix: check that the SPIRE agent runs")
                .hasMessageNotContaining("tls.")
                .hasMessageNotContaining("\n");
    }

    @Test
    void startUpFailsClosedWhenWhatIsAtTheSocketGivesNoSvid() throws IOException {
        Path notAnAgent = Files.writeString(PKI.dir().resolve("not-an-agent.sock"), "a plain file");
        WorkloadApiSource.Builder builder = WorkloadApiSource.at(URI.create("unix://" + notAnAgent))
                .timeout(Duration.ofMillis(1500)).backoff(Duration.ofMillis(100), Duration.ofMillis(200));

        assertThatThrownBy(builder::connect).isInstanceOf(TlsException.class)
                .hasMessageStartingWith("the Workload API at unix://" + notAnAgent + " gave no SVID within 1500 ms (")
                .hasMessageNotContaining("\n");
    }

    @Test
    void theSocketIsAUnixAddress() {
        assertThat(WorkloadApiSource.parseSocket(" unix:///run/spire/sockets/agent.sock "))
                .isEqualTo(URI.create("unix:///run/spire/sockets/agent.sock"));
        for (String value : new String[] {"tcp://127.0.0.1:8081", "/run/spire/sockets/agent.sock", "unix:agent.sock",
                "unix://", "not a uri"}) {
            assertThatThrownBy(() -> WorkloadApiSource.parseSocket(value)).as(value).isInstanceOf(TlsException.class)
                    .hasMessage("the Workload API address " + value + " is not a unix:///path address. Fix: name the"
                            + " agent's socket, e.g. unix:///run/spire/sockets/agent.sock.");
        }
    }

    @Test
    void theOptionsApplyToTheSvid() {
        agent.start();
        TlsOptions options = TlsOptions.builder().protocols(List.of("TLSv1.3")).sessionTimeout(Duration.ofMinutes(5))
                .crl(TestCert.writeCrls(PKI.dir().resolve("crl.pem"), PKI.ca().crl()))
                .checkEvery(Duration.ofSeconds(7)).build();

        source = WorkloadApiSource.at(agent.address()).timeout(Duration.ofSeconds(5)).options(options).connect();

        assertThat(source.socket()).isEqualTo(agent.address());
        assertThat(source.options()).isSameAs(options);
        assertThat(source.options().checkEvery()).isEqualTo(Duration.ofSeconds(7));
        assertThat(source.current().server().sslParameters().getProtocols()).containsExactly("TLSv1.3");
        assertThat(source.current().server().sslContext().getServerSessionContext().getSessionTimeout()).isEqualTo(300);
        assertThat(source.current().trust().crls()).hasSize(1);
        assertThat(source.current().server().options()).isSameAs(options);
        assertThat(source.current().client().options()).isSameAs(options);
    }

    @Test
    void aChangedCrlFileIsAppliedToTheSvidInUseAtTheNextCheck() {
        agent.start();
        Path crl = TestCert.writeCrls(PKI.dir().resolve("changing-crl.pem"), PKI.ca().crl());
        source = WorkloadApiSource.at(agent.address()).timeout(Duration.ofSeconds(5))
                .options(TlsOptions.builder().crl(crl).build()).connect();
        BigInteger svid = serial(source);
        X509Certificate gateway = PKI.issue("gateway").certificate();
        assertThat(source.current().trust().crls()).singleElement()
                .satisfies(list -> assertThat(list.isRevoked(gateway)).isFalse());

        TestCert.writeCrls(crl, PKI.ca().crl(gateway));
        source.check();

        assertThat(serial(source)).as("the same SVID").isEqualTo(svid);
        assertThat(source.current().trust().crls()).singleElement()
                .satisfies(list -> assertThat(list.isRevoked(gateway)).isTrue());
        assertThat(source.lastFailure()).isEmpty();
    }

    @Test
    void anSvidRefusedForABadCrlIsTakenOnceTheCrlIsMended() throws IOException {
        agent.start();
        Path crl = TestCert.writeCrls(PKI.dir().resolve("mended-crl.pem"), PKI.ca().crl());
        source = WorkloadApiSource.at(agent.address()).timeout(Duration.ofSeconds(5))
                .options(TlsOptions.builder().crl(crl).build()).connect();
        Files.writeString(crl, "not a CRL\n");
        BigInteger rotated = agent.rotate().certificate().getSerialNumber();
        await("the new SVID refused").atMost(5, TimeUnit.SECONDS).until(() -> source.lastFailure().isPresent());

        TestCert.writeCrls(crl, PKI.ca().crl());
        source.check();

        assertThat(source.lastFailure()).isEmpty();
        assertThat(serial(source)).as("the agent's newest SVID").isEqualTo(rotated);
    }

    @Test
    void aChangedCrlKeepsALostAgentReported() {
        agent.start();
        Path crl = TestCert.writeCrls(PKI.dir().resolve("lost-crl.pem"), PKI.ca().crl());
        source = WorkloadApiSource.at(agent.address()).timeout(Duration.ofSeconds(5))
                .backoff(Duration.ofMinutes(1), Duration.ofMinutes(1))
                .options(TlsOptions.builder().crl(crl).build()).connect();
        agent.stop();
        await("the loss reported").atMost(5, TimeUnit.SECONDS).until(() -> source.lastFailure().isPresent());

        X509Certificate gateway = PKI.issue("gateway").certificate();
        TestCert.writeCrls(crl, PKI.ca().crl(gateway));
        source.check();

        assertThat(source.current().trust().crls()).singleElement().satisfies(list -> assertThat(list.isRevoked(gateway)).isTrue());
        assertThat(source.lastFailure()).get().asString().contains("is unreachable since");
    }

    @Test
    void startUpFailsClosedWhenTheAgentGivesNoUsableSvid() {
        agent.start();
        WorkloadApiSource.Builder builder = WorkloadApiSource.at(agent.address()).trustDomain("example.org")
                .timeout(Duration.ofSeconds(2));

        assertThatThrownBy(builder::connect).isInstanceOf(TlsException.class)
                .hasMessage("this service's trust domain is example.org, but the Workload API at " + agent.address()
                        + " issued spiffe://tiktokmall.local/auth. Fix: set the service's trust domain to tiktokmall.local.");
        await("the stream closed").atMost(5, TimeUnit.SECONDS).until(() -> agent.openStreams() == 0);
    }

    @Test
    void losingTheAgentKeepsTheSvidInUseUntilItReturns() {
        agent.start();
        MutableClock clock = MutableClock.startingNow();
        source = WorkloadApiSource.at(agent.address()).timeout(Duration.ofSeconds(5))
                .backoff(Duration.ofMillis(100), Duration.ofMillis(500))
                .options(TlsOptions.builder().clock(clock).build()).connect();
        TestCert inUse = agent.current();
        agent.stop();
        await().atMost(5, TimeUnit.SECONDS).until(() -> source.lastFailure().isPresent());
        assertThat(source.lastFailure().orElseThrow().getMessage())
                .contains("the Workload API at " + agent.address() + " is unreachable since " + clock.instant() + " (")
                .contains("the SVID in use expires at " + inUse.certificate().getNotAfter().toInstant());
        assertThat(serial(source)).isEqualTo(inUse.certificate().getSerialNumber());

        clock.advance(Duration.between(clock.instant(), Instant.now())); // the agent's next SVID is valid from now on
        BigInteger fresh = agent.start().current().certificate().getSerialNumber();
        await().atMost(10, TimeUnit.SECONDS).until(() -> serial(source).equals(fresh));
        assertThat(source.lastFailure()).isEmpty();
    }

    @Test
    void anSvidTheBundleDoesNotVouchForIsRefusedAndTheOldOneStays() {
        agent.start();
        TlsSource source = connect();
        BigInteger inUse = serial(source);
        agent.trust(TestCa.create("Rogue CA"), PKI.ca());
        await().atMost(5, TimeUnit.SECONDS).until(() -> source.lastFailure().isPresent());
        assertThat(serial(source)).isEqualTo(inUse);
        assertThat(source.lastFailure().orElseThrow()).isInstanceOf(TlsException.class);
    }

    @Test
    void aReloadHasNothingToFetchAndSaysTheAgentPushesEverySvid() {
        agent.start();
        TlsSource source = connect();
        TlsMaterial inUse = source.current();

        assertThat(source.reload(true, Duration.ofSeconds(5))).isEqualTo("unchanged: the Workload API at "
                + agent.address() + " pushes every new certificate and bundle as it is issued (" + inUse + ")");
        assertThat(source.current()).isSameAs(inUse);
    }

    @Test
    void startRunsTheChecksOnAThreadOfItsOwnAndCloseEndsThemTheStreamAndTheChannel() {
        agent.start();
        source = WorkloadApiSource.at(agent.address()).timeout(Duration.ofSeconds(5))
                .options(TlsOptions.builder().checkEvery(Duration.ofMillis(20)).build()).connect();
        Set<Thread> checkers = ConcurrentHashMap.newKeySet();
        AtomicInteger checks = new AtomicInteger();
        source.afterEveryCheck(() -> {
            checkers.add(Thread.currentThread());
            checks.incrementAndGet();
        });
        assertThat(agent.openStreams()).isEqualTo(1);

        source.start();
        await().atMost(10, TimeUnit.SECONDS).until(() -> checks.get() >= 3);
        assertThat(checkers).singleElement().satisfies(thread -> assertThat(thread).isNotSameAs(Thread.currentThread()));
        Thread checker = checkers.iterator().next();
        TlsMaterial inUse = source.current();

        source.close();

        await("the check thread ends").atMost(10, TimeUnit.SECONDS).until(() -> !checker.isAlive());
        await("the stream ends").atMost(10, TimeUnit.SECONDS).until(() -> agent.openStreams() == 0);
        assertThat(source.current()).as("still readable").isSameAs(inUse);
        assertThat(source.lastFailure()).as("closing is no failure").isEmpty();
    }

    private WorkloadApiSource connect() {
        source = WorkloadApiSource.at(agent.address()).timeout(Duration.ofSeconds(5))
                .backoff(Duration.ofMillis(100), Duration.ofMillis(500)).connect();
        return source;
    }

    private static BigInteger serial(TlsSource source) {
        return source.current().server().identity().certificate().getSerialNumber();
    }
}
