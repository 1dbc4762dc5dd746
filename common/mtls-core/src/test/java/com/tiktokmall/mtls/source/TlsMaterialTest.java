package com.tiktokmall.mtls.source;

import com.tiktokmall.mtls.MtlsContext;
import com.tiktokmall.mtls.TlsException;
import com.tiktokmall.mtls.TlsOptions;
import com.tiktokmall.mtls.TrustBundle;
import com.tiktokmall.mtls.testing.MutableClock;
import com.tiktokmall.mtls.testing.TestCert;
import com.tiktokmall.mtls.testing.TestPki;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** What the health check, the gauges and the reload log read from the material in use. */
class TlsMaterialTest {
    private final MutableClock clock = MutableClock.startingNow();
    private final TlsOptions options = TlsOptions.builder().clock(clock).build();
    private final TestPki pki = TestPki.create();

    @Test
    void listsEveryCertificateInUseBySetting() {
        TestCert server = pki.issue("auth");
        TestCert client = pki.issue("order");

        TlsMaterial material = TlsMaterial.load(TlsFiles.builder().caCert(pki.caCert())
                .server(pki.certFile("auth"), pki.keyFile("auth")).client(pki.certFile("order"), pki.keyFile("order"))
                .build(), options);

        assertThat(material.certificates()).containsExactly(
                Map.entry("server_cert", List.of(server.certificate())),
                Map.entry("client_cert", List.of(client.certificate())),
                Map.entry("ca_cert", List.<X509Certificate>of(pki.ca().certificate())));
        assertThat(material.trust()).isSameAs(material.server().trust());
    }

    @Test
    void describesItselfBySerialsTrustAndCrls() {
        TestCert auth = pki.issue("auth");
        String serial = auth.certificate().getSerialNumber().toString(16);
        TlsFiles.Builder files = TlsFiles.builder().caCert(pki.caCert())
                .server(pki.certFile("auth"), pki.keyFile("auth")).client(pki.certFile("auth"), pki.keyFile("auth"));

        assertThat(TlsMaterial.load(files.build(), options)).hasToString("server 'auth' serial " + serial
                + ", client 'auth' serial " + serial + ", trusting 'TikTokMall Test CA'");

        Path crl = TestCert.writeCrls(pki.dir().resolve("crl.pem"), pki.ca().crl());
        assertThat(TlsMaterial.load(files.build(), options.toBuilder().crl(crl).build())).hasToString("server 'auth' serial "
                + serial + ", client 'auth' serial " + serial + ", trusting 'TikTokMall Test CA' with 1 CRLs");
    }

    @Test
    void oneIdentityServesBothRolesWithTheTrustAndOptionsGiven() {
        TestCert svid = pki.ca().leaf("auth").svid().issue();
        TrustBundle trust = TrustBundle.of(List.of(pki.ca().certificate()));

        TlsMaterial material = TlsMaterial.of(svid.identity(), trust, options);

        assertThat(material.server().role()).isEqualTo(MtlsContext.Role.SERVER);
        assertThat(material.client().role()).isEqualTo(MtlsContext.Role.CLIENT);
        for (MtlsContext context : List.of(material.server(), material.client())) {
            assertThat(context.identity().certificate()).isEqualTo(svid.certificate());
            assertThat(context.trust()).isSameAs(trust);
            assertThat(context.options()).isSameAs(options);
        }
    }

    @Test
    void oneIdentityIsTrustedWithTheCrlOfTheOptions() {
        TestCert svid = pki.ca().leaf("auth").svid().issue();
        Path crl = TestCert.writeCrls(pki.dir().resolve("svid-crl.pem"), pki.ca().crl());

        TlsMaterial material = TlsMaterial.of(svid.identity(), TrustBundle.of(List.of(pki.ca().certificate())),
                options.toBuilder().crl(crl).build());

        assertThat(material.trust().crls()).hasSize(1);
        assertThat(material.client().trust().crls()).hasSize(1);
    }

    @Test
    void oneIdentityIsCheckedAtTheTimeOfTheOptionsClock() {
        TestCert svid = pki.ca().leaf("auth").svid().issue();
        clock.advance(Duration.ofDays(60));

        assertThatThrownBy(() -> TlsMaterial.of(svid.identity(), TrustBundle.of(List.of(pki.ca().certificate())), options))
                .isInstanceOf(TlsException.class).hasMessageContaining("expired at");
    }
}
