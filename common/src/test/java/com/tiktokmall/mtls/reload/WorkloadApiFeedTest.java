package com.tiktokmall.mtls.reload;

import com.tiktokmall.mtls.TlsException;
import com.tiktokmall.mtls.testing.FakeSpireAgent;
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
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

class WorkloadApiFeedTest {
    private static final TestPki PKI = TestPki.create();
    private final FakeSpireAgent agent = FakeSpireAgent.serving("auth", PKI.ca(), PKI.dir().resolve("agent.sock"));
    private WorkloadApiFeed feed;

    @AfterEach
    void stop() {
        if (feed != null) {
            feed.close();
        }
        agent.close();
    }

    @Test
    void startsWithTheAgentsSvidAndTakesEveryRotation() {
        agent.start();
        TlsMaterialSource source = start();
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
        feed = WorkloadApiFeed.at(URI.create("unix://" + PKI.dir().resolve("nothing-here.sock"))).timeout(Duration.ofSeconds(1))
                .backoff(Duration.ofMillis(100), Duration.ofMillis(200)).build();
        assertThatThrownBy(feed::start).isInstanceOf(TlsException.class)
                .hasMessageContaining("tls.workload_api_socket")
                .hasMessageContaining("there is no socket at " + PKI.dir().resolve("nothing-here.sock") + " (waited 1 s)")
                .hasMessageNotContaining("\n");
    }

    @Test
    void startUpFailsClosedWhenWhatIsAtTheSocketGivesNoSvid() throws IOException {
        Path notAnAgent = Files.writeString(PKI.dir().resolve("not-an-agent.sock"), "a plain file");
        feed = WorkloadApiFeed.at(URI.create("unix://" + notAnAgent)).timeout(Duration.ofMillis(1500))
                .backoff(Duration.ofMillis(100), Duration.ofMillis(200)).build();

        assertThatThrownBy(feed::start).isInstanceOf(TlsException.class)
                .hasMessageStartingWith("tls.workload_api_socket: the Workload API at unix://" + notAnAgent
                        + " gave no SVID within 1500 ms (")
                .hasMessageNotContaining("\n");
    }

    @Test
    void theSocketIsAUnixAddress() {
        assertThat(WorkloadApiFeed.parseSocket(" unix:///run/spire/sockets/agent.sock "))
                .isEqualTo(URI.create("unix:///run/spire/sockets/agent.sock"));
        for (String value : new String[] {"tcp://127.0.0.1:8081", "/run/spire/sockets/agent.sock", "unix:agent.sock",
                "unix://", "not a uri"}) {
            assertThatThrownBy(() -> WorkloadApiFeed.parseSocket(value)).as(value).isInstanceOf(TlsException.class)
                    .hasMessage("tls.workload_api_socket: is " + value + ", not a unix:///path address. Fix: name the"
                            + " agent's socket, e.g. unix:///run/spire/sockets/agent.sock.");
        }
    }

    @Test
    void theOptionsOfTheFilesApplyToTheSvid() throws Exception {
        agent.start();
        feed = WorkloadApiFeed.at(agent.address()).timeout(Duration.ofSeconds(5)).protocols(List.of("TLSv1.3"))
                .sessionTimeout(Duration.ofMinutes(5)).crl(TestCert.writeCrls(PKI.dir().resolve("crl.pem"), PKI.ca().crl()))
                .checkEvery(Duration.ofSeconds(7)).build();

        TlsMaterialSource source = feed.start();

        assertThat(feed.socket()).isEqualTo(agent.address());
        assertThat(source.interval()).isEqualTo(Duration.ofSeconds(7));
        assertThat(source.current().server().sslParameters().getProtocols()).containsExactly("TLSv1.3");
        assertThat(source.current().server().sslContext().getServerSessionContext().getSessionTimeout()).isEqualTo(300);
        assertThat(source.current().trust().crls()).hasSize(1);
    }

    @Test
    void startUpFailsClosedWhenTheAgentGivesNoUsableSvid() {
        agent.start();
        feed = WorkloadApiFeed.at(agent.address()).trustDomain("example.org").timeout(Duration.ofSeconds(2)).build();
        assertThatThrownBy(feed::start).isInstanceOf(TlsException.class)
                .hasMessageContaining("tls.trust_domain")
                .hasMessageContaining("spiffe://tiktokmall.local/auth");
        await("the stream closed").atMost(5, TimeUnit.SECONDS).until(() -> agent.openStreams() == 0);
    }

    @Test
    void losingTheAgentKeepsTheSvidInUseUntilItReturns() {
        agent.start();
        TlsMaterialSource source = start();
        TestCert inUse = agent.current();
        agent.stop();
        await().atMost(5, TimeUnit.SECONDS).until(() -> source.lastFailure().isPresent());
        assertThat(source.lastFailure().orElseThrow().getMessage())
                .contains("the Workload API at " + agent.address() + " is unreachable since ")
                .contains("the SVID in use expires at " + inUse.certificate().getNotAfter().toInstant());
        assertThat(serial(source)).isEqualTo(inUse.certificate().getSerialNumber());

        BigInteger fresh = agent.start().current().certificate().getSerialNumber();
        await().atMost(10, TimeUnit.SECONDS).until(() -> serial(source).equals(fresh));
        assertThat(source.lastFailure()).isEmpty();
    }

    @Test
    void anSvidTheBundleDoesNotVouchForIsRefusedAndTheOldOneStays() {
        agent.start();
        TlsMaterialSource source = start();
        BigInteger inUse = serial(source);
        agent.trust(TestCa.create("Rogue CA"), PKI.ca());
        await().atMost(5, TimeUnit.SECONDS).until(() -> source.lastFailure().isPresent());
        assertThat(serial(source)).isEqualTo(inUse);
        assertThat(source.lastFailure().orElseThrow()).isInstanceOf(TlsException.class);
    }

    private TlsMaterialSource start() {
        feed = WorkloadApiFeed.at(agent.address()).timeout(Duration.ofSeconds(5))
                .backoff(Duration.ofMillis(100), Duration.ofMillis(500)).build();
        return feed.start();
    }

    private static BigInteger serial(TlsMaterialSource source) {
        return source.current().server().identity().certificate().getSerialNumber();
    }
}
