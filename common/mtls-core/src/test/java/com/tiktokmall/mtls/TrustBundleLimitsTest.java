package com.tiktokmall.mtls;

import com.tiktokmall.mtls.testing.RawHttps;
import com.tiktokmall.mtls.testing.TestCa;
import com.tiktokmall.mtls.testing.TlsEchoServer;
import org.junit.jupiter.api.Test;

import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * A TLS 1.2 server names every CA it trusts in its handshake, in a list of at most 64 KiB (and JDK
 * clients take handshake messages of at most 32 KiB): bundles that would outgrow it are refused.
 */
class TrustBundleLimitsTest {
    private static final TestCa CA = TestCa.create("Limits Test CA");

    @Test
    void aBundleOfMoreThanAHundredCasIsRefused() {
        assertThatThrownBy(() -> TrustBundle.of(cas(101, 0)))
                .isInstanceOf(TlsException.class)
                .hasMessageStartingWith("the bundle holds 101 CA certificates, more than 100: TLS 1.2 servers name every"
                        + " trusted CA in their handshake");
    }

    @Test
    void aBundleWhoseCaNamesTakeMoreThan16KibIsRefused() {
        assertThatThrownBy(() -> TrustBundle.of(cas(60, 5)))
                .isInstanceOf(TlsException.class)
                .hasMessageContaining("CAs take ")
                .hasMessageContaining("bytes, more than 16384");
    }

    @Test
    void aHundredCasWithLongNamesStillShakeHandsOverTls12() throws Exception {
        List<X509Certificate> bundle = new ArrayList<>(cas(99, 2));
        assertThat(bundle.stream().mapToInt(ca -> 2 + ca.getSubjectX500Principal().getEncoded().length).sum())
                .as("the names take nearly the 16 KiB allowed").isBetween(14_000, TrustBundle.MAX_CA_NAME_BYTES);
        bundle.add(CA.certificate());
        TrustBundle trust = TrustBundle.of(bundle);
        MtlsContext server = MtlsContext.forServer(CA.leaf("auth").issue().identity()).trust(trust)
                .protocols(List.of("TLSv1.2")).build();
        MtlsContext client = MtlsContext.forClient(CA.leaf("order").issue().identity())
                .trust(TrustBundle.of(List.of(CA.certificate()))).protocols(List.of("TLSv1.2")).build();

        try (TlsEchoServer echo = TlsEchoServer.start(server.sslContext(), server.sslParameters())) {
            assertThat(RawHttps.answer(client.sslContext(), "localhost", echo.port(), "/").status()).isEqualTo(200);
        }
    }

    /** {@code count} CAs whose names have {@code units} organizational units of 55 characters each. */
    private static List<X509Certificate> cas(int count, int units) {
        List<X509Certificate> cas = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            cas.add(TestCa.withSubject("CN=Test CA " + i + (",OU=" + "x".repeat(55)).repeat(units)).certificate());
        }
        return cas;
    }
}
