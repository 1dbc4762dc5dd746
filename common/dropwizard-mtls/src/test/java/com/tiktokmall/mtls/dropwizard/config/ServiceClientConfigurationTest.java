package com.tiktokmall.mtls.dropwizard.config;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.dropwizard.jackson.Jackson;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The server identity of a block like {@code order:}: stated, or spiffe://<trust domain>/<block name>. */
class ServiceClientConfigurationTest {
    private static final ObjectMapper YAML = Jackson.newObjectMapper();

    @Test
    void withoutAnIdentityTheBlockNameInTheTrustDomain() {
        assertThat(block(Map.of()).identity("order", "tiktokmall.local"))
                .hasToString("spiffe://tiktokmall.local/order");
    }

    @Test
    void aStatedIdentityOfTheTrustDomainIsTaken() {
        assertThat(block(Map.of("identity", "spiffe://tiktokmall.local/orders-v2")).identity("order", "tiktokmall.local"))
                .hasToString("spiffe://tiktokmall.local/orders-v2");
    }

    @Test
    void anIdentityOfAnotherTrustDomainIsRefusedNamingTheSetting() {
        assertThatThrownBy(() -> block(Map.of("identity", "spiffe://elsewhere.example/order"))
                .identity("order", "tiktokmall.local"))
                .isInstanceOf(SettingException.class)
                .hasMessage("order.identity: spiffe://elsewhere.example/order is not in the trust domain tiktokmall.local."
                        + " Fix: write spiffe://tiktokmall.local/order.");
    }

    @Test
    void aMalformedIdentityIsRefusedNamingTheSetting() {
        assertThatThrownBy(() -> block(Map.of("identity", "https://order")).identity("order", "tiktokmall.local"))
                .isInstanceOf(SettingException.class)
                .hasMessageStartingWith("order.identity: ")
                .hasMessageEndingWith(" Fix: write spiffe://tiktokmall.local/order.");
    }

    private static ServiceClientConfiguration block(Map<String, Object> yaml) {
        return YAML.convertValue(yaml, ServiceClientConfiguration.class);
    }
}
