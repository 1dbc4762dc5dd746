package com.tiktokmall.mtls.dropwizard.limits;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.tiktokmall.mtls.testing.EchoApplication;
import com.tiktokmall.mtls.testing.MtlsTestClient;
import com.tiktokmall.mtls.testing.MtlsTestClient.Reply;
import com.tiktokmall.mtls.testing.RawHttps;
import com.tiktokmall.mtls.testing.TestCert;
import com.tiktokmall.mtls.testing.TestPki;
import io.dropwizard.testing.ResourceHelpers;
import io.dropwizard.testing.junit5.DropwizardAppExtension;
import io.dropwizard.testing.junit5.DropwizardExtensionsSupport;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.time.Duration;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.params.provider.Arguments.arguments;

/** What a caller may send is bounded, and JSON is read as written (echo.yml: the default limits). */
@ExtendWith(DropwizardExtensionsSupport.class)
class RequestLimitsTest {
    private static final long TEN_MB = 10L * 1024 * 1024;
    private static final TestPki PKI = TestPki.create();
    private static final DropwizardAppExtension<EchoApplication.EchoConfiguration> APP = new DropwizardAppExtension<>(
            EchoApplication.class, ResourceHelpers.resourceFilePath("echo.yml"), PKI.tlsOverrides("echo"));
    private static final ObjectMapper JSON = new ObjectMapper();

    private static TestCert gatewayCert;
    private static MtlsTestClient gateway;

    @BeforeAll
    static void issueAndWarmUp() {
        gatewayCert = PKI.issue("gateway");
        gateway = MtlsTestClient.as(gatewayCert, PKI.ca());
        echo("{\"count\": 1}"); // the first request of a JVM is slow, whatever its size
    }

    @Test
    void aTenMegabyteBodyGets413AtOnceAndTheServiceStaysHealthy() throws Exception {
        RawHttps.Answer answer = RawHttps.postFlood(gatewayCert.rawClientContext(PKI.ca().certificate()), "localhost",
                APP.getLocalPort(), "/whoami/echo", TEN_MB, false);

        assertRefusedAsTooLarge(answer);
        assertThat(echo("{\"count\": 3}").status()).isEqualTo(200);
        assertThat(gateway.get("https://localhost:" + APP.getAdminPort() + "/healthcheck").status()).isEqualTo(200);
    }

    @Test
    void aDeclaredLengthOverTheLimitIsRefusedBeforeAByteOfTheBodyIsSent() throws Exception {
        RawHttps.Answer answer = RawHttps.postDeclaring(gatewayCert.rawClientContext(PKI.ca().certificate()),
                "localhost", APP.getLocalPort(), "/whoami/echo", TEN_MB, 0);

        assertRefusedAsTooLarge(answer);
    }

    @Test
    void aChunkedBodyIsCutOffAtTheLimitWith413() throws Exception {
        RawHttps.Answer answer = RawHttps.postFlood(gatewayCert.rawClientContext(PKI.ca().certificate()), "localhost",
                APP.getLocalPort(), "/whoami/echo", TEN_MB, true);

        assertRefusedAsTooLarge(answer);
        assertThat(echo("{\"count\": 3}").status()).isEqualTo(200);
    }

    @Test
    void aBodyJustWithinTheLimitIsRead() {
        String item = "{\"quantity\": 1}, ";
        String body = "{\"items\": [" + item.repeat((64 * 1024 - 40) / item.length()) + "{\"quantity\": 2}]}";

        Reply reply = echo(body);

        assertThat(body.length()).isGreaterThan(60 * 1024).isLessThanOrEqualTo(64 * 1024);
        assertThat(reply.status()).isEqualTo(200);
    }

    static Stream<Arguments> refusedJson() {
        return Stream.of(
                arguments("{\"count\": 1.9}", 422, "count must be a whole number"),
                arguments("{\"count\": 3.0}", 422, "count must be a whole number"),
                arguments("{\"count\": \"3\"}", 422, "count must be a whole number"),
                arguments("{\"count\": true}", 422, "count must be a whole number"),
                arguments("{\"user_id\": \"42\"}", 422, "user_id must be a whole number"),
                arguments("{\"user_id\": 1, \"user_id\": 2}", 400, "user_id appears more than once"),
                arguments("{\"items\": [{\"quantity\": 1.5}]}", 422, "items[0].quantity must be a whole number"),
                arguments("{\"items\": [{\"quantity\": 1}, {\"quantity\": 1, \"quantity\": 2}]}", 400,
                        "items[1].quantity appears more than once"),
                arguments("{\"name\": 12}", 422, "name must be a string"),
                arguments("{\"items\": {\"quantity\": 1}}", 422, "items must be an array"),
                arguments("[1, 2]", 422, "the body must be an object"),
                arguments("{\"count\": 3", 400, "the body is not valid JSON (line 1, column 12)"),
                arguments("{\"ignored\": " + "{\"a\": ".repeat(40) + "1" + "}".repeat(40) + "}", 400,
                        "the JSON is nested too deeply"),
                arguments("{\"name\": \"" + "a".repeat(20_000) + "\"}", 400, "a JSON string is too long"),
                arguments("{\"user_id\": " + "9".repeat(100) + "}", 400, "a JSON number has too many digits"),
                arguments("{\"user_id\": 99999999999999999999}", 422, "user_id is out of range for a whole number"));
    }

    @ParameterizedTest
    @MethodSource("refusedJson")
    void jsonThatIsNotWhatIsExpectedIsRefusedNamingTheField(String body, int status, String message) {
        Reply reply = echo(body);

        assertThat(reply.status()).as(reply.toString()).isEqualTo(status);
        assertThat(reply.json().path("code").asInt()).isEqualTo(status);
        assertThat(reply.text("message")).isEqualTo(message);
    }

    private static Reply echo(String body) {
        return gateway.post("https://localhost:" + APP.getLocalPort() + "/whoami/echo", body);
    }

    /** 413 with Dropwizard's JSON error body, in under a second, while the body is still on its way. */
    private static void assertRefusedAsTooLarge(RawHttps.Answer answer) throws Exception {
        assertThat(answer.status()).as(answer.toString()).isEqualTo(413);
        assertThat(answer.sentBeforeAnswer()).as("bytes of the body sent before the answer").isLessThan(TEN_MB);
        assertThat(answer.took()).isLessThan(Duration.ofSeconds(1));
        JsonNode body = JSON.readTree(answer.body());
        assertThat(body.path("code").asInt()).isEqualTo(413);
        assertThat(body.path("message").asText()).isEqualTo("the request body is larger than the 65536 bytes this"
                + " service accepts");
    }
}
