package com.tiktokmall.mtls.reload;

import com.tiktokmall.mtls.testing.MutableClock;
import com.tiktokmall.mtls.testing.TestCert;
import com.tiktokmall.mtls.testing.TestPki;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** What the health check, the gauges and the reload log read from the material in use. */
class TlsMaterialTest {
    private final MutableClock clock = MutableClock.startingNow();
    private final TestPki pki = TestPki.create();

    @Test
    void listsEveryCertificateInUseBySetting() {
        TestCert server = pki.issue("auth");
        TestCert client = pki.issue("order");

        TlsMaterial material = TlsMaterial.load(TlsFiles.builder().caCert(pki.caCert())
                .server(pki.certFile("auth"), pki.keyFile("auth")).client(pki.certFile("order"), pki.keyFile("order"))
                .build(), clock);

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

        assertThat(TlsMaterial.load(files.build(), clock)).hasToString("server 'auth' serial " + serial
                + ", client 'auth' serial " + serial + ", trusting 'TikTokMall Test CA'");

        Path crl = TestCert.writeCrls(pki.dir().resolve("crl.pem"), pki.ca().crl());
        assertThat(TlsMaterial.load(files.crl(crl).build(), clock)).hasToString("server 'auth' serial " + serial
                + ", client 'auth' serial " + serial + ", trusting 'TikTokMall Test CA' with 1 CRLs");
    }
}
