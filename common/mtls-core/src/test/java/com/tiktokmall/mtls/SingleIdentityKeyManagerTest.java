package com.tiktokmall.mtls;

import com.tiktokmall.mtls.testing.TestCa;
import com.tiktokmall.mtls.testing.TestCert;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** The one identity is offered for its own key type only, in both roles, over sockets and engines. */
class SingleIdentityKeyManagerTest {
    private static final TestCert EC = TestCa.create("Key Manager CA").leaf("auth").issue();
    private final SingleIdentityKeyManager keys = new SingleIdentityKeyManager(EC.privateKey(), EC.chain());

    @Test
    void offersTheIdentityForItsKeyTypeOnly() {
        assertThat(keys.getClientAliases("EC", null)).containsExactly("identity");
        assertThat(keys.getServerAliases("EC", null)).containsExactly("identity");
        assertThat(keys.getClientAliases("RSA", null)).isNull();
        assertThat(keys.getServerAliases("RSA", null)).isNull();
        assertThat(keys.chooseEngineServerAlias("EC", null, null)).isEqualTo("identity");
        assertThat(keys.chooseEngineServerAlias("RSA", null, null)).isNull();
        assertThat(keys.chooseEngineClientAlias(new String[] {"RSA", "EC"}, null, null)).isEqualTo("identity");
        assertThat(keys.chooseEngineClientAlias(new String[] {"RSA"}, null, null)).isNull();
        assertThat(keys.chooseClientAlias(null, null, null)).isNull();
    }

    @Test
    void givesTheChainAndKeyForItsAliasOnly() {
        assertThat(keys.getCertificateChain("identity")).containsExactlyElementsOf(EC.chain());
        assertThat(keys.getPrivateKey("identity")).isSameAs(EC.privateKey());
        assertThat(keys.getCertificateChain("other")).isNull();
        assertThat(keys.getPrivateKey("other")).isNull();
    }
}
