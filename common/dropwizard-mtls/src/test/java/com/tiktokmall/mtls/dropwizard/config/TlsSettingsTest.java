package com.tiktokmall.mtls.dropwizard.config;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.tiktokmall.mtls.MtlsContext.Role;
import com.tiktokmall.mtls.TlsOptions;
import com.tiktokmall.mtls.source.TlsFiles;
import com.tiktokmall.mtls.testing.MutableClock;
import io.dropwizard.jackson.Jackson;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** How the values of the tls block become the files and options of a material source. */
class TlsSettingsTest {
    private final ObjectMapper yaml = Jackson.newObjectMapper(new YAMLFactory());

    @Test
    void everySettingReachesTheFiles() throws IOException {
        TlsFiles files = tls("""
                ca_cert: certs/ca-cert.pem
                server_cert: certs/auth-cert.pem
                server_key: certs/auth-key.pem
                client_cert: certs/auth-client-cert.pem
                client_key: certs/auth-client-key.pem
                key_password: s3cret
                crl: certs/crl.pem
                protocols: [TLSv1.3]
                """).getFiles().orElseThrow();

        assertThat(files.caCert()).isEqualTo(Path.of("certs/ca-cert.pem"));
        assertThat(files.cert(Role.SERVER)).isEqualTo(Path.of("certs/auth-cert.pem"));
        assertThat(files.key(Role.SERVER)).isEqualTo(Path.of("certs/auth-key.pem"));
        assertThat(files.cert(Role.CLIENT)).isEqualTo(Path.of("certs/auth-client-cert.pem"));
        assertThat(files.key(Role.CLIENT)).isEqualTo(Path.of("certs/auth-client-key.pem"));
        assertThat(files.keyPassword()).get().satisfies(p -> assertThat(new String(p)).isEqualTo("s3cret"));
    }

    @Test
    void everyOptionReachesTheOptionsOfEverySource() throws IOException {
        MutableClock clock = MutableClock.startingNow();
        TlsOptions options = tls("""
                crl: certs/crl.pem
                protocols: [TLSv1.3]
                session_timeout: 5m
                reload_interval: 7s
                """).options(null, clock);

        assertThat(options.crl()).contains(Path.of("certs/crl.pem"));
        assertThat(options.protocols()).containsExactly("TLSv1.3");
        assertThat(options.provider()).isEmpty();
        assertThat(options.sessionTimeout()).isEqualTo(Duration.ofMinutes(5));
        assertThat(options.checkEvery()).isEqualTo(Duration.ofSeconds(7));
        assertThat(options.clock()).isSameAs(clock);
    }

    @Test
    void aBadFileIsNamedWhereItIsWritten() throws IOException {
        String files = """
                  ca_cert: missing-ca.pem
                  server_cert: b.pem
                  server_key: c.pem
                  client_cert: d.pem
                  client_key: e.pem
                """;
        TlsConfiguration flat = tls(files.replace("\n  ", "\n").strip() + "\n");
        TlsConfiguration nested = tls("source:\n  type: files\n" + files);

        assertThatThrownBy(() -> flat.getSource().build(TlsOptions.defaults(), "tiktokmall.local"))
                .hasMessageStartingWith("tls.ca_cert (missing-ca.pem): ");
        assertThatThrownBy(() -> nested.getSource().build(TlsOptions.defaults(), "tiktokmall.local"))
                .hasMessageStartingWith("tls.source.ca_cert (missing-ca.pem): ");
    }

    @Test
    void aSourceBlockNamesTheFilesOrAnotherOrigin() throws IOException {
        assertThat(tls("""
                source:
                  type: files
                  ca_cert: a.pem
                  server_cert: b.pem
                  server_key: c.pem
                  client_cert: d.pem
                  client_key: e.pem
                """).getFiles()).get().satisfies(files -> assertThat(files.caCert()).isEqualTo(Path.of("a.pem")));
        TlsConfiguration workloadApi = tls("""
                source:
                  type: workload_api
                  socket: unix:///run/agent.sock
                """);
        assertThat(workloadApi.getFiles()).isEmpty();
        assertThat(workloadApi.getSource()).isInstanceOfSatisfying(WorkloadApiSourceFactory.class,
                factory -> assertThat(factory.socket()).hasToString("unix:///run/agent.sock"));
    }

    @Test
    void anEmptyKeyPasswordAndABlankCrlMeanNone() throws IOException {
        TlsConfiguration tls = tls("""
                ca_cert: certs/ca-cert.pem
                server_cert: certs/auth-cert.pem
                server_key: certs/auth-key.pem
                client_cert: certs/auth-cert.pem
                client_key: certs/auth-key.pem
                key_password: ''
                crl: '  '
                """);

        assertThat(tls.getFiles()).get().satisfies(files -> assertThat(files.keyPassword()).isEmpty());
        assertThat(tls.getCrl()).isEmpty();
    }

    @Test
    void theProviderIsNamedInLowerCase() throws IOException {
        TlsConfiguration conscrypt = tls("provider: conscrypt\n");

        assertThat(conscrypt.getProvider()).isEqualTo(TlsProvider.CONSCRYPT);
        assertThat(conscrypt.getProvider().install().getName()).isEqualTo("Conscrypt");
        assertThat(tls("provider: JSSE\n").getProvider()).isEqualTo(TlsProvider.JSSE);
        assertThat(yaml.writeValueAsString(TlsProvider.JSSE)).contains("jsse");
        assertThat(TlsProvider.JSSE.install()).isNull();
    }

    private TlsConfiguration tls(String block) throws IOException {
        return yaml.readValue(block, TlsConfiguration.class);
    }
}
