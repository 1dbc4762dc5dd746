package com.tiktokmall.payment;

import com.tiktokmall.auth.AuthTestApp;
import com.tiktokmall.mtls.testing.CommandRunner;
import com.tiktokmall.mtls.testing.TestPki;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** payment refuses to start, in one line naming the setting, rather than call order without mTLS or unchecked. */
class StartupTest {
    private static final TestPki PKI = TestPki.create();

    @Test
    void anOrderUrlThatIsNotHttpsStopsStartUp() {
        CommandRunner.Result start = start(Map.of("order.url", "http://localhost:9443"));

        assertThat(start.succeeded()).isFalse();
        assertThat(start.stderr().strip()).isEqualTo("payment start-up failed: order.url: is http://localhost:9443, not"
                + " https, while tls.enabled is true. Fix: write https://host:port.");
    }

    @Test
    void anAuthIdentityOfAnotherTrustDomainStopsStartUp() {
        CommandRunner.Result start = start(Map.of("auth.identity", "spiffe://elsewhere.example/auth"));

        assertThat(start.succeeded()).isFalse();
        assertThat(start.stderr().strip()).isEqualTo("payment start-up failed: auth.identity:"
                + " spiffe://elsewhere.example/auth is not in the trust domain tiktokmall.local."
                + " Fix: write spiffe://tiktokmall.local/auth.");
    }

    private static CommandRunner.Result start(Map<String, String> change) {
        Map<String, String> settings = PaymentTestApp.settings(PKI, AuthTestApp.dataDir(PKI), "https://localhost:1",
                "https://localhost:2");
        settings.putAll(change);
        return CommandRunner.run(new PaymentApplication(), settings, "server", PaymentTestApp.CONFIG);
    }
}
