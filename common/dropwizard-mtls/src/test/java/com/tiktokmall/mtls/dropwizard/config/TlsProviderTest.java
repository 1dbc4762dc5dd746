package com.tiktokmall.mtls.dropwizard.config;

import org.junit.jupiter.api.Test;

import javax.crypto.KeyAgreement;
import java.security.Signature;
import java.util.Optional;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

class TlsProviderTest {
    private static final Optional<String> LOADS = Optional.empty();

    /** ACCP is installed JVM-wide (by auto too): only where the run's provider is auto or accp anyway. */
    private static void assumeAccpMayBeInstalled() {
        String provider = System.getProperty("mtls.test.provider", "auto");
        assumeTrue(Set.of("auto", "accp").contains(provider), "this run uses tls.provider " + provider);
        assumeAccpShipsHere();
    }

    private static void assumeAccpShipsHere() {
        assumeTrue(System.getProperty("os.name").equals("Linux")
                && Set.of("amd64", "aarch64").contains(System.getProperty("os.arch")), "ACCP ships for Linux x86-64 and aarch64");
    }

    @Test
    void autoChoosesConscryptWhereItLoadsWithAccpForTheArithmeticLeftInJava() throws Exception {
        assumeAccpMayBeInstalled();

        assertThat(ConscryptEngine.unavailableReason()).isEmpty();
        assertThat(CorrettoCrypto.unavailableReason()).isEmpty();
        assertThat(TlsProvider.AUTO.effective()).isEqualTo(TlsProvider.CONSCRYPT);
        assertThat(TlsProvider.AUTO.install().getName()).as("BoringSSL runs TLS").isEqualTo("Conscrypt");
        // token signatures and anything else left to the JCA: AWS-LC
        assertThat(Signature.getInstance("SHA256withECDSA").getProvider().getName()).isEqualTo("AmazonCorrettoCryptoProvider");
        assertThat(KeyAgreement.getInstance("ECDH").getProvider().getName()).isEqualTo("AmazonCorrettoCryptoProvider");
    }

    @Test
    void autoFallsBackToAccpThenToJsse() {
        assertThat(TlsProvider.autoChoice(Optional.of("no library"), Optional.of("no library"))).isEqualTo(TlsProvider.JSSE);
        assumeAccpShipsHere(); // the choices below name the versions of what loads
        assertThat(TlsProvider.autoChoice(LOADS, LOADS)).isEqualTo(TlsProvider.CONSCRYPT);
        assertThat(TlsProvider.autoChoice(LOADS, Optional.of("no library"))).isEqualTo(TlsProvider.CONSCRYPT);
        assertThat(TlsProvider.autoChoice(Optional.of("no library"), LOADS)).isEqualTo(TlsProvider.ACCP);
    }

    @Test
    void explicitChoicesAreThemselves() {
        assertThat(TlsProvider.JSSE.effective()).isEqualTo(TlsProvider.JSSE);
        assertThat(TlsProvider.CONSCRYPT.effective()).isEqualTo(TlsProvider.CONSCRYPT);
        assertThat(TlsProvider.of("accp")).isEqualTo(TlsProvider.ACCP);
        assertThat(TlsProvider.ACCP.value()).isEqualTo("accp");
    }

    @Test
    void explicitConscryptIsConscryptAlone() {
        assumeTrue(ConscryptEngine.unavailableReason().isEmpty(), "Conscrypt loads here");
        assertThat(TlsProvider.CONSCRYPT.install().getName()).isEqualTo("Conscrypt");
        assertThat(ConscryptEngine.version()).matches("\\d+\\.\\d+\\.\\d+");
    }

    @Test
    void theDefaultIsAuto() {
        assertThat(new TlsConfiguration().getProvider()).isEqualTo(TlsProvider.AUTO);
    }
}
