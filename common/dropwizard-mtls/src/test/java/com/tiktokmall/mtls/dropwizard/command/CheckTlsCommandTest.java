package com.tiktokmall.mtls.dropwizard.command;

import com.tiktokmall.mtls.testing.CommandRunner;
import com.tiktokmall.mtls.testing.EchoApplication;
import com.tiktokmall.mtls.testing.TestCa;
import com.tiktokmall.mtls.testing.TestCert;
import com.tiktokmall.mtls.testing.TestPki;
import io.dropwizard.testing.ResourceHelpers;
import io.dropwizard.testing.junit5.DropwizardAppExtension;
import io.dropwizard.testing.junit5.DropwizardExtensionsSupport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.nio.file.Path;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** check-tls on a good block, and --connect against a running service, accepted and refused. */
@ExtendWith(DropwizardExtensionsSupport.class)
class CheckTlsCommandTest {
    private static final String CONFIG = ResourceHelpers.resourceFilePath("echo.yml");
    private static final TestPki PKI = TestPki.create();
    private static final DropwizardAppExtension<EchoApplication.EchoConfiguration> APP = new DropwizardAppExtension<>(
            EchoApplication.class, CONFIG, PKI.tlsOverrides("echo"));

    @Test
    void goodBlockPassesWithAReportOnEveryFile() {
        CommandRunner.Result check = CommandRunner.run(new EchoApplication(), PKI.tlsSettings("echo"), "check-tls", CONFIG);

        assertThat(check.error()).isEmpty();
        assertThat(check.stderr()).isEmpty();
        assertThat(check.stdout())
                .contains("tls.ca_cert  " + PKI.caCert(), "CA       'TikTokMall Test CA', EC P-256")
                .contains("tls.server_cert  " + PKI.certFile("echo"), "subject  CN=echo")
                .contains("SANs     DNS:echo, DNS:localhost, IP:127.0.0.1, URI:spiffe://tiktokmall.local/echo")
                .contains("identity spiffe://tiktokmall.local/echo")
                .contains("issuer   CN=TikTokMall Test CA", "days left)", "EKU      serverAuth, clientAuth")
                .contains("key      EC P-256, matches " + PKI.certFile("echo"))
                .contains("as server", "as client", "OK       valid now, leads to a CA in " + PKI.caCert())
                .doesNotContain("PROBLEM")
                .endsWith("OK: the tls block is good" + System.lineSeparator());
    }

    @Test
    void theDatabaseCertificateOfTlsDatabaseIsReportedAsAClientOnly() {
        Map<String, String> settings = PKI.tlsSettings("echo");
        TestCert database = PKI.ca().leaf("echo").subject("CN=echo_db").clientAuthOnly().issue();
        settings.putAll(databaseSettings("good-db", database));

        CommandRunner.Result check = CommandRunner.run(new EchoApplication(), settings, "check-tls", CONFIG);

        assertThat(check.error()).isEmpty();
        String databasePart = check.stdout().substring(check.stdout().indexOf("tls.database.ca_cert  "));
        assertThat(databasePart)
                .contains("tls.database.client_cert  " + PKI.dir().resolve("good-db/db-cert.pem"), "subject  CN=echo_db")
                .contains("EKU      clientAuth", "as client", "OK       valid now, leads to a CA in " + PKI.caCert())
                .doesNotContain("as server", "PROBLEM");
    }

    @Test
    void aDatabaseCertificateFromAnotherCaFailsNamingTlsDatabase() {
        Map<String, String> settings = PKI.tlsSettings("echo");
        settings.putAll(databaseSettings("stranger-db", TestCa.create("Stranger CA").leaf("echo").clientAuthOnly().issue()));

        CommandRunner.Result check = CommandRunner.run(new EchoApplication(), settings, "check-tls", CONFIG);

        assertThat(check.error()).isPresent();
        assertThat(check.stdout()).contains("tls.database.client_cert  ", "PROBLEM");
        assertThat(check.stderr()).startsWith("check-tls failed: tls.database.client_cert");
    }

    private static Map<String, String> databaseSettings(String name, TestCert database) {
        Path dir = PKI.dir().resolve(name);
        return Map.of("tls.database.ca_cert", PKI.caCert().toString(),
                "tls.database.client_cert", database.writeCertificate(dir.resolve("db-cert.pem")).toString(),
                "tls.database.client_key", database.writeKey(dir.resolve("db-key.pem")).toString());
    }

    @Test
    void connectReportsTheHandshakeAndThePeer() {
        String target = "localhost:" + APP.getLocalPort();

        CommandRunner.Result check = CommandRunner.run(new EchoApplication(), PKI.tlsSettings("echo"),
                "check-tls", CONFIG, "--connect", target);

        assertThat(check.error()).isEmpty();
        assertThat(check.stdout())
                .contains("connect  " + target + " as 'echo'")
                .containsPattern("protocol TLSv1\\.3, TLS_(AES_128_GCM|AES_256_GCM|CHACHA20_POLY1305)_SHA(256|384)")
                .contains("peer     CN=echo", "identity spiffe://tiktokmall.local/echo", "days left")
                .contains("answer   HTTP/1.1 404 Not Found")
                .contains("OK: the tls block is good and " + target + " accepted us");
    }

    @Test
    void connectReportsARefusedHandshake() {
        TestCa other = TestCa.create("Other CA");
        Map<String, String> settings = PKI.tlsSettings("echo");
        Path bundle = TestCert.writeCertificates(PKI.dir().resolve("both-cas.pem"), PKI.ca().certificate(),
                other.certificate());
        PKI.write("outsider", other.leaf("gateway").issue());
        settings.put("tls.ca_cert", bundle.toString());
        settings.put("tls.client_cert", PKI.certFile("outsider").toString());
        settings.put("tls.client_key", PKI.keyFile("outsider").toString());

        CommandRunner.Result check = CommandRunner.run(new EchoApplication(), settings,
                "check-tls", CONFIG, "--connect", "localhost:" + APP.getLocalPort());

        assertThat(check.error()).isPresent();
        assertThat(check.stderr()).startsWith("check-tls failed: the handshake with localhost:" + APP.getLocalPort()
                + " failed: ").containsAnyOf("refused this side's certificate", "does not trust the CA");
    }

    @Test
    void disabledTlsIsReportedAsAFailure() {
        CommandRunner.Result check = CommandRunner.run(new EchoApplication(), Map.of("tls.enabled", "false"),
                "check-tls", CONFIG);

        assertThat(check.error()).isPresent();
        assertThat(check.stderr()).contains("tls.enabled is false");
    }
}
