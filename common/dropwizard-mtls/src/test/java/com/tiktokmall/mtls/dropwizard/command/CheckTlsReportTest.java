package com.tiktokmall.mtls.dropwizard.command;

import com.tiktokmall.mtls.MtlsContext;
import com.tiktokmall.mtls.TrustBundle;
import com.tiktokmall.mtls.testing.CommandRunner;
import com.tiktokmall.mtls.testing.EchoApplication;
import com.tiktokmall.mtls.testing.TestCert;
import com.tiktokmall.mtls.testing.TestPki;
import com.tiktokmall.mtls.testing.TlsEchoServer;
import io.dropwizard.testing.ResourceHelpers;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * check-tls line by line, without a running service: the leaf and CRL lines of the report, and
 * --connect against a bare TLS server, which must check the server's name as every client does.
 */
class CheckTlsReportTest {
    private static final String CONFIG = ResourceHelpers.resourceFilePath("echo.yml");
    private final TestPki pki = TestPki.create();

    @Test
    void reportsEveryLeafFactAndEveryCrl() {
        TestCert echo = pki.issue("echo");
        TestCert revoked = pki.ca().leaf("old").issue();
        Path crl = TestCert.writeCrls(pki.dir().resolve("crl.pem"), pki.ca().crl(revoked.certificate()));
        Map<String, String> settings = pki.tlsSettings("echo");
        settings.put("tls.crl", crl.toString());

        CommandRunner.Result check = CommandRunner.run(new EchoApplication(), settings, "check-tls", CONFIG);

        assertThat(check.error()).isEmpty();
        Instant notAfter = echo.certificate().getNotAfter().toInstant();
        assertThat(check.stdout())
                .contains("tls.crl  " + crl)
                .containsPattern("    CRL      of CN=TikTokMall Test CA, 1 revoked, next update \\S+Z\\R")
                .containsPattern("    valid    \\S+ to " + notAfter + " \\(\\d+ days left\\)\\R")
                .contains("    key      EC P-256" + System.lineSeparator());
    }

    @Test
    void connectReportsThePeerLineByLine() throws IOException {
        pki.issue("echo");
        MtlsContext server = MtlsContext.forServer(pki.ca().leaf("auth").issue().identity())
                .trust(TrustBundle.of(List.of(pki.ca().certificate()))).build();

        try (TlsEchoServer echo = TlsEchoServer.start(server.sslContext(), server.sslParameters())) {
            CommandRunner.Result check = CommandRunner.run(new EchoApplication(), pki.tlsSettings("echo"),
                    "check-tls", CONFIG, "--connect", "localhost:" + echo.port());

            assertThat(check.error()).isEmpty();
            String connect = check.stdout().substring(check.stdout().indexOf("connect  "));
            assertThat(connect)
                    .contains("    peer     CN=auth")
                    .contains("    SANs     DNS:auth, DNS:localhost, IP:127.0.0.1, URI:spiffe://tiktokmall.local/auth")
                    .contains("    identity spiffe://tiktokmall.local/auth")
                    .contains("    issuer   CN=TikTokMall Test CA")
                    .containsPattern("    valid    \\S+ to \\S+ \\(\\d+ days left\\)")
                    .contains("    answer   HTTP/1.1 200 OK");
        }
    }

    @Test
    void connectChecksTheServersNameLikeEveryClient() throws IOException {
        pki.issue("echo");
        MtlsContext impostor = MtlsContext.forServer(pki.ca().leaf("auth").sans("DNS:auth.internal").issue().identity())
                .trust(TrustBundle.of(List.of(pki.ca().certificate()))).build();

        try (TlsEchoServer echo = TlsEchoServer.start(impostor.sslContext(), impostor.sslParameters())) {
            CommandRunner.Result check = CommandRunner.run(new EchoApplication(), pki.tlsSettings("echo"),
                    "check-tls", CONFIG, "--connect", "localhost:" + echo.port());

            assertThat(check.error()).isPresent();
            assertThat(check.stderr()).contains("host name localhost is not among the server certificate's SANs"
                    + " [DNS:auth.internal]");
        }
    }

    @Test
    void connectNeedsHostAndPort() {
        pki.issue("echo");

        CommandRunner.Result check = CommandRunner.run(new EchoApplication(), pki.tlsSettings("echo"),
                "check-tls", CONFIG, "--connect", ":8443");

        assertThat(check.stderr()).contains("--connect needs HOST:PORT, not ':8443'");
    }
}
