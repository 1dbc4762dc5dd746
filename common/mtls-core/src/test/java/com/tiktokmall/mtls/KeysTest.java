package com.tiktokmall.mtls;

import com.tiktokmall.mtls.testing.TestCa;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** How keys are described in messages and reports. */
class KeysTest {
    private static final TestCa CA = TestCa.create("Keys CA");

    @Test
    void describesKeysByTypeAndSizeOrCurve() {
        assertThat(Keys.describe(CA.leaf("a").issue().privateKey())).isEqualTo("EC P-256");
        assertThat(Keys.describe(CA.leaf("a").ec("secp384r1").issue().privateKey())).isEqualTo("EC P-384");
        assertThat(Keys.describe(CA.leaf("a").ec("secp521r1").issue().certificate().getPublicKey())).isEqualTo("EC P-521");
        assertThat(Keys.describe(CA.leaf("a").rsa(2048).issue().privateKey())).isEqualTo("RSA 2048");
        java.security.PrivateKey ed25519 = CA.leaf("a").ed25519().issue().privateKey();
        assertThat(Keys.describe(ed25519)).isEqualTo(ed25519.getAlgorithm()).isNotEmpty();
    }
}
