package com.tiktokmall.mtls.dropwizard.config;

import com.amazon.corretto.crypto.provider.AmazonCorrettoCryptoProvider;
import com.tiktokmall.mtls.TlsException;

import java.security.Provider;
import java.security.Security;
import java.util.Optional;

/**
 * The Amazon Corretto Crypto Provider (ACCP): AWS-LC's EC, RSA, AES and HMAC under the JDK's JCA
 * names. JSSE keeps running the TLS protocol and finds this arithmetic only through the JVM-wide
 * provider list, so ACCP is installed there, first. That is acceptable for a security reference
 * because a JCA provider changes how a signature or key agreement is computed, not what is
 * accepted: protocols, cipher suites, and every key and trust decision stay with JSSE's settings
 * and this library's key and trust managers; ACCP's self-tests must pass before it is installed.
 */
final class CorrettoCrypto {
    private CorrettoCrypto() {
    }

    /** Why ACCP cannot be used on this platform, or empty when it loaded and passed its self-tests. */
    static Optional<String> unavailableReason() {
        try {
            Throwable loading = AmazonCorrettoCryptoProvider.INSTANCE.getLoadingError();
            if (loading != null) {
                return Optional.of("its native library did not load (" + loading + ")");
            }
            AmazonCorrettoCryptoProvider.INSTANCE.assertHealthy();
            return Optional.empty();
        } catch (LinkageError e) {
            // no jar for this platform on the class path, or a native library for another one
            return Optional.of("it is not available for " + System.getProperty("os.arch") + " (" + e + ")");
        } catch (RuntimeException e) {
            return Optional.of("its self-test failed (" + e.getMessage() + ")");
        }
    }

    /** Installs ACCP first in the JVM's provider list (idempotent), or fails naming why it cannot. */
    static synchronized void install() {
        unavailableReason().ifPresent(reason -> {
            throw TlsException.invalid("tls.provider accp: the Amazon Corretto Crypto Provider cannot be used: " + reason,
                    "set tls.provider to auto or jsse");
        });
        if (!isInstalled()) {
            AmazonCorrettoCryptoProvider.install();
        }
    }

    static boolean isInstalled() {
        Provider[] providers = Security.getProviders();
        return providers.length > 0 && providers[0].getName().equals(AmazonCorrettoCryptoProvider.PROVIDER_NAME);
    }

    static String version() {
        return AmazonCorrettoCryptoProvider.INSTANCE.getVersionStr();
    }
}
