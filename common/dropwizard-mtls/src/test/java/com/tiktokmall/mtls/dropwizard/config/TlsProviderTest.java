package com.tiktokmall.mtls.dropwizard.config;

import org.junit.jupiter.api.Test;

import javax.crypto.KeyAgreement;
import java.security.Signature;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

class TlsProviderTest {
    /** ACCP is installed JVM-wide: only where the run's provider is auto or accp anyway. */
    private static void assumeAccpMayBeInstalled() {
        String provider = System.getProperty("mtls.test.provider", "auto");
        assumeTrue(Set.of("auto", "accp").contains(provider), "this run uses tls.provider " + provider);
        assumeTrue(System.getProperty("os.name").equals("Linux")
                && Set.of("amd64", "aarch64").contains(System.getProperty("os.arch")), "ACCP ships for Linux x86-64 and aarch64");
    }

    @Test
    void autoChoosesAccpWhereItLoadsAndJsseRunsOnItsArithmetic() throws Exception {
        assumeAccpMayBeInstalled();

        assertThat(CorrettoCrypto.unavailableReason()).isEmpty();
        assertThat(TlsProvider.AUTO.effective()).isEqualTo(TlsProvider.ACCP);
        assertThat(TlsProvider.AUTO.install()).as("SunJSSE keeps the protocol").isNull();
        assertThat(Signature.getInstance("SHA256withECDSA").getProvider().getName()).isEqualTo("AmazonCorrettoCryptoProvider");
        assertThat(KeyAgreement.getInstance("ECDH").getProvider().getName()).isEqualTo("AmazonCorrettoCryptoProvider");
    }

    @Test
    void explicitChoicesAreThemselves() {
        assertThat(TlsProvider.JSSE.effective()).isEqualTo(TlsProvider.JSSE);
        assertThat(TlsProvider.CONSCRYPT.effective()).isEqualTo(TlsProvider.CONSCRYPT);
        assertThat(TlsProvider.of("accp")).isEqualTo(TlsProvider.ACCP);
        assertThat(TlsProvider.ACCP.value()).isEqualTo("accp");
    }

    @Test
    void theDefaultIsAuto() {
        assertThat(new TlsConfiguration().getProvider()).isEqualTo(TlsProvider.AUTO);
    }
}
