package com.tiktokmall.mtls;

import com.tiktokmall.mtls.testing.TestCa;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class SpiffeIdTest {
    private static final TestCa CA = TestCa.create("SPIFFE Test CA");

    @Test
    void parsesTrustDomainAndPath() {
        SpiffeId id = SpiffeId.parse("spiffe://tiktokmall.local/order");

        assertThat(id.trustDomain()).isEqualTo("tiktokmall.local");
        assertThat(id.path()).isEqualTo("order");
        assertThat(id).hasToString("spiffe://tiktokmall.local/order").isEqualTo(SpiffeId.parse(id.toString()));
    }

    @ParameterizedTest
    @ValueSource(strings = {"order", "https://tiktokmall.local/order", "spiffe://tiktokmall.local",
        "spiffe://tiktokmall.local/", "spiffe://TikTokMall.local/order", "spiffe://tiktokmall.local//order",
        "spiffe://tiktokmall.local/order?x=1", "spiffe://user@tiktokmall.local/order", "spiffe://tiktokmall.local:8443/order",
        "spiffe://tiktokmall.local/.", "spiffe://tiktokmall.local/..", "spiffe://tiktokmall.local/ns/../order",
        "spiffe://tiktokmall.local/order/."})
    void refusesWhatIsNotASpiffeId(String value) {
        assertThatThrownBy(() -> SpiffeId.parse(value))
                .isInstanceOf(TlsException.class)
                .hasMessageContaining("'" + value + "' is not");
    }

    @Test
    void aCertificateHasAnIdentityOnlyWithExactlyOneUriSanOfTheTrustDomain() {
        assertThat(SpiffeId.fromCertificate(CA.leaf("order").issue().certificate(), "tiktokmall.local"))
                .contains(SpiffeId.parse("spiffe://tiktokmall.local/order"));
        assertThat(SpiffeId.fromCertificate(CA.leaf("order").issue().certificate(), "other.local")).isEmpty();
        assertThat(SpiffeId.fromCertificate(CA.leaf("order").sans("DNS:order").issue().certificate(),
                "tiktokmall.local")).isEmpty();
        assertThat(SpiffeId.fromCertificate(CA.leaf("order").sans("URI:spiffe://tiktokmall.local/order",
                "URI:spiffe://tiktokmall.local/gateway").issue().certificate(), "tiktokmall.local")).isEmpty();
        assertThat(SpiffeId.fromCertificate(CA.leaf("order").sans("URI:https://order.example").issue().certificate(),
                "tiktokmall.local")).isEmpty();
    }

    @Test
    void theCommonNameNeverMakesAnIdentity() {
        assertThat(SpiffeId.fromCertificate(CA.leaf("spiffe://tiktokmall.local/gateway").sans("DNS:x").issue()
                .certificate(), "tiktokmall.local")).isEmpty();
    }

    @Test
    void dotsWithinASegmentAreFine() {
        assertThat(SpiffeId.parse("spiffe://tiktokmall.local/ns/.hidden/order...v2").path())
                .isEqualTo("ns/.hidden/order...v2");
    }

    @Test
    void equalByTrustDomainAndPath() {
        SpiffeId order = SpiffeId.parse("spiffe://tiktokmall.local/order");

        assertThat(order).isEqualTo(SpiffeId.parse("spiffe://tiktokmall.local/order"))
                .hasSameHashCodeAs(SpiffeId.parse("spiffe://tiktokmall.local/order"))
                .isNotEqualTo(SpiffeId.parse("spiffe://tiktokmall.local/auth"))
                .isNotEqualTo(SpiffeId.parse("spiffe://other.local/order"))
                .isNotEqualTo("spiffe://tiktokmall.local/order");
        assertThat(order.hashCode()).as("spread over hash buckets")
                .isNotEqualTo(SpiffeId.parse("spiffe://tiktokmall.local/auth").hashCode());
    }
}
