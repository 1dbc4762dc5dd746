package com.tiktokmall.mtls.dropwizard.authorization;

import com.tiktokmall.mtls.testing.EchoService;
import com.tiktokmall.mtls.testing.MtlsTestClient;
import com.tiktokmall.mtls.testing.TestCert;
import com.tiktokmall.mtls.testing.TestPki;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The request log names each caller by its identity and its certificate's serial, as the services'
 * log format does. The log file is new for each run, so that no earlier line can answer for it.
 */
class RequestLogAttributesTest {
    private final TestPki pki = TestPki.create();

    @Test
    void theCallersIdentityAndSerialAreInTheRequestLog() throws Exception {
        TestCert gateway = pki.issue("gateway");
        Path requestLog = Files.createTempFile(pki.dir(), "request", ".log");
        Map<String, String> settings = pki.tlsSettings("echo");
        settings.put("server.requestLog.appenders[0].currentLogFilename", requestLog.toString());
        settings.put("server.requestLog.appenders[0].logFormat",
                "%reqAttribute{mtls.peer} %reqAttribute{mtls.peer.serial} \"%r\" %s");

        try (EchoService echo = EchoService.start("echo-request-log.yml", settings)) {
            int status = MtlsTestClient.as(gateway, pki.ca()).get("https://localhost:" + echo.port() + "/whoami").status();

            assertThat(status).isEqualTo(200);
            await().atMost(10, TimeUnit.SECONDS).untilAsserted(() -> assertThat(Files.readString(requestLog))
                    .contains("spiffe://tiktokmall.local/gateway " + gateway.certificate().getSerialNumber().toString(16)
                            + " \"GET /whoami HTTP/1.1\" 200"));
        }
    }
}
