package com.tiktokmall.mtls.testing;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import com.tiktokmall.mtls.MtlsContext;
import com.tiktokmall.mtls.SpiffeId;
import com.tiktokmall.mtls.TrustBundle;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.stream.Stream;

/**
 * A caller with a certificate of its own (gateway, payment...) for tests of services: the JDK's
 * HTTP client on an {@link MtlsContext}, speaking JSON. This is also what the library looks like
 * without Dropwizard.
 *
 * <pre>{@code
 * MtlsTestClient gateway = MtlsTestClient.as(pki.issue("gateway"), pki.ca());
 * Reply reply = gateway.post("https://localhost:" + port + "/v1/tokens", Map.of("user_id", 42));
 * }</pre>
 */
public final class MtlsTestClient {
    private static final ObjectMapper JSON = JsonMapper.builder().addModule(new JavaTimeModule()).build();

    private final HttpClient http;

    private MtlsTestClient(HttpClient http) {
        this.http = http;
    }

    /** A client presenting {@code cert} and trusting only {@code cas}; it checks the server's host name. */
    public static MtlsTestClient as(TestCert cert, TestCa... cas) {
        return over(MtlsContext.forClient(cert.identity())
                .trust(TrustBundle.of(Stream.of(cas).map(TestCa::certificate).toList()))
                .build());
    }

    /** As {@link #as}, but requiring the server to present {@code server} as its SPIFFE ID instead. */
    public static MtlsTestClient expecting(SpiffeId server, TestCert cert, TestCa... cas) {
        return over(MtlsContext.forClient(cert.identity())
                .trust(TrustBundle.of(Stream.of(cas).map(TestCa::certificate).toList()))
                .expectServer(server)
                .build());
    }

    private static MtlsTestClient over(MtlsContext context) {
        return new MtlsTestClient(HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(5))
                .sslContext(context.sslContext())
                .sslParameters(context.sslParameters())
                .build());
    }

    /** {@code GET url}; {@code headers} are name, value pairs. */
    public Reply get(String url, String... headers) {
        return send(request(url, headers).GET());
    }

    /** {@code POST url} with {@code body} as JSON; a String body is sent as it is, even if it is not JSON. */
    public Reply post(String url, Object body, String... headers) {
        String text;
        try {
            text = body instanceof String s ? s : JSON.writeValueAsString(body);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException(e);
        }
        return send(request(url, headers).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(text)));
    }

    /** {@code POST url} without a body. */
    public Reply post(String url) {
        return send(request(url).POST(HttpRequest.BodyPublishers.noBody()));
    }

    /** {@code url} with any method, even one HTTP does not define, without a body. */
    public Reply request(String method, String url) {
        return send(request(url).method(method, HttpRequest.BodyPublishers.noBody()));
    }

    private static HttpRequest.Builder request(String url, String... headers) {
        HttpRequest.Builder builder = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(15));
        return headers.length == 0 ? builder : builder.headers(headers);
    }

    private Reply send(HttpRequest.Builder request) {
        try {
            HttpResponse<String> response = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
            return new Reply(response.statusCode(), response.body(), response);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** A response: status, raw body and, when it is JSON, the parsed tree. */
    public record Reply(int status, String body, HttpResponse<String> response) {
        public JsonNode json() {
            try {
                return JSON.readTree(body);
            } catch (JsonProcessingException e) {
                throw new IllegalStateException("not JSON: " + body, e);
            }
        }

        /** A text field of the JSON body. */
        public String text(String field) {
            return json().path(field).asText();
        }

        @Override
        public String toString() {
            return status + " " + body;
        }
    }
}
