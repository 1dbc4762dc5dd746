package com.tiktokmall.mtls;

import com.tiktokmall.mtls.testing.TestCa;
import org.junit.jupiter.api.Test;

import java.security.cert.X509Certificate;

import static org.assertj.core.api.Assertions.assertThat;

/** Which host names a certificate names, for the refusal message "host name X is not among the SANs". */
class HostNamesTest {
    private static final TestCa CA = TestCa.create("Host Names CA");
    private static final X509Certificate CERT = CA.leaf("auth")
            .sans("DNS:auth.svc.local", "DNS:*.pods.local", "IP:127.0.0.1", "IP:::1", "URI:spiffe://tiktokmall.local/auth")
            .issue().certificate();

    @Test
    void dnsNamesMatchExactlyAndWithoutRegardToCase() {
        assertThat(HostNames.matches(CERT, "auth.svc.local")).isTrue();
        assertThat(HostNames.matches(CERT, "AUTH.Svc.Local")).isTrue();
        assertThat(HostNames.matches(CERT, "order.svc.local")).isFalse();
        assertThat(HostNames.matches(CERT, "svc.local")).isFalse();
    }

    @Test
    void aWildcardStandsForExactlyOneLeftMostLabel() {
        assertThat(HostNames.matches(CERT, "auth-0.pods.local")).isTrue();
        assertThat(HostNames.matches(CERT, "pods.local")).isFalse();
        assertThat(HostNames.matches(CERT, ".pods.local")).isFalse();
        assertThat(HostNames.matches(CERT, "a.b.pods.local")).isFalse();
    }

    @Test
    void addressesMatchOnlyIpSansInAnyNotation() {
        assertThat(HostNames.matches(CERT, "127.0.0.1")).isTrue();
        assertThat(HostNames.matches(CERT, "::1")).isTrue();
        assertThat(HostNames.matches(CERT, "0:0:0:0:0:0:0:1")).isTrue();
        assertThat(HostNames.matches(CERT, "127.0.0.2")).isFalse();
        assertThat(HostNames.matches(CERT, "::2")).isFalse();
    }

    @Test
    void anAddressIsNotMatchedByADnsSanSpellingIt() {
        X509Certificate dnsOnly = CA.leaf("auth").sans("DNS:127.0.0.1", "DNS:localhost").issue().certificate();

        assertThat(HostNames.matches(dnsOnly, "127.0.0.1")).isFalse();
        assertThat(HostNames.matches(dnsOnly, "localhost")).isTrue();
    }

    @Test
    void aNameIsNotMatchedByAnIpSan() {
        X509Certificate ipOnly = CA.leaf("auth").sans("IP:127.0.0.1").issue().certificate();

        assertThat(HostNames.matches(ipOnly, "localhost")).isFalse();
    }

    @Test
    void aMalformedAddressMatchesNothing() {
        assertThat(HostNames.matches(CERT, "::zz")).isFalse();
    }

    @Test
    void aCertificateWithoutSansMatchesNothing() {
        X509Certificate noSans = CA.leaf("auth").sans().issue().certificate();

        assertThat(HostNames.matches(noSans, "auth")).isFalse();
    }
}
