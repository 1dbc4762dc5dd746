package com.tiktokmall.mtls.dropwizard;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.tiktokmall.mtls.MtlsContext.Role;
import com.tiktokmall.mtls.reload.TlsFiles;
import io.dropwizard.jackson.Jackson;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

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
                """).files();

        assertThat(files.caCert()).isEqualTo(Path.of("certs/ca-cert.pem"));
        assertThat(files.cert(Role.SERVER)).isEqualTo(Path.of("certs/auth-cert.pem"));
        assertThat(files.key(Role.SERVER)).isEqualTo(Path.of("certs/auth-key.pem"));
        assertThat(files.cert(Role.CLIENT)).isEqualTo(Path.of("certs/auth-client-cert.pem"));
        assertThat(files.key(Role.CLIENT)).isEqualTo(Path.of("certs/auth-client-key.pem"));
        assertThat(files.keyPassword()).get().satisfies(p -> assertThat(new String(p)).isEqualTo("s3cret"));
        assertThat(files.crl()).contains(Path.of("certs/crl.pem"));
        assertThat(files.protocols()).containsExactly("TLSv1.3");
        assertThat(files.provider()).isNull();
    }

    @Test
    void anEmptyKeyPasswordAndABlankCrlMeanNone() throws IOException {
        TlsConfiguration tls = tls("""
                key_password: ''
                crl: '  '
                """);

        assertThat(tls.getKeyPassword()).isEmpty();
        assertThat(tls.getCrl()).isEmpty();
    }

    @Test
    void theProviderIsNamedInLowerCase() throws IOException {
        TlsConfiguration conscrypt = tls("provider: conscrypt\n");

        assertThat(conscrypt.getProvider()).isEqualTo(TlsProvider.CONSCRYPT);
        assertThat(conscrypt.getProvider().provider().getName()).isEqualTo("Conscrypt");
        assertThat(tls("provider: JSSE\n").getProvider()).isEqualTo(TlsProvider.JSSE);
        assertThat(yaml.writeValueAsString(TlsProvider.JSSE)).contains("jsse");
        assertThat(TlsProvider.JSSE.provider()).isNull();
    }

    private TlsConfiguration tls(String block) throws IOException {
        return yaml.readValue(block, TlsConfiguration.class);
    }
}
