package com.tiktokmall.mtls.dropwizard.client;

import org.apache.hc.client5.http.HttpRequestRetryStrategy;
import org.apache.hc.client5.http.HttpRoute;
import org.apache.hc.client5.http.config.ConnectionConfig;
import org.apache.hc.client5.http.impl.DefaultHttpRequestRetryStrategy;
import org.apache.hc.client5.http.protocol.HttpClientContext;
import org.apache.hc.core5.function.Resolver;
import org.apache.hc.core5.http.ConnectionClosedException;
import org.apache.hc.core5.http.HttpHost;
import org.apache.hc.core5.http.HttpRequest;
import org.apache.hc.core5.http.NoHttpResponseException;
import org.apache.hc.core5.http.message.BasicHttpRequest;
import org.apache.hc.core5.util.TimeValue;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.ConnectException;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLHandshakeException;

import static org.assertj.core.api.Assertions.assertThat;

/** When a call is sent again: a connection closed before any response, an idempotent call, once. */
class ClosedConnectionRetryTest {
    private static final List<IOException> CLOSED_BEFORE_ANY_RESPONSE = List.of(
            new NoHttpResponseException("The target server failed to respond"),
            new SocketException("Connection reset"),
            new SocketException("Broken pipe"),
            new SSLException("Connection reset"),
            new ConnectionClosedException());
    private static final List<IOException> NOT_A_CLOSED_CONNECTION = List.of(
            new SocketTimeoutException("Read timed out"),
            new ConnectException("Connection refused"),
            new SSLHandshakeException("bad_certificate"));

    @Test
    void anIdempotentCallWhoseConnectionClosedBeforeAnyResponseIsSentOnceMore() {
        for (IOException closed : CLOSED_BEFORE_ANY_RESPONSE) {
            for (String method : List.of("GET", "HEAD", "PUT", "DELETE", "OPTIONS")) {
                ClosedConnectionRetry retry = new ClosedConnectionRetry(false, null, () -> { });
                HttpClientContext context = HttpClientContext.create();
                assertThat(retry.retryRequest(request(method), closed, 1, context)).as(method + " after " + closed).isTrue();
                assertThat(retry.getRetryInterval(request(method), closed, 1, context)).isEqualTo(TimeValue.ZERO_MILLISECONDS);
                assertThat(retry.retryRequest(request(method), closed, 2, context)).as("a second time").isFalse();
                assertThat(retry.retried()).isEqualTo(1);
            }
        }
    }

    @Test
    void aPostIsSentAgainOnlyByAClientWhoseEveryCallIsIdempotent() {
        for (IOException closed : CLOSED_BEFORE_ANY_RESPONSE) {
            assertThat(new ClosedConnectionRetry(false, null, () -> { })
                    .retryRequest(request("POST"), closed, 1, HttpClientContext.create())).as("POST after " + closed).isFalse();
            assertThat(new ClosedConnectionRetry(false, null, () -> { })
                    .retryRequest(request("PATCH"), closed, 1, HttpClientContext.create())).as("PATCH after " + closed).isFalse();
            assertThat(new ClosedConnectionRetry(true, null, () -> { })
                    .retryRequest(request("POST"), closed, 1, HttpClientContext.create())).as("POST after " + closed).isTrue();
        }
    }

    @Test
    void neitherATimeoutNorARefusalNorAFailedHandshakeIsSentAgain() {
        for (IOException failure : NOT_A_CLOSED_CONNECTION) {
            assertThat(new ClosedConnectionRetry(true, null, () -> { })
                    .retryRequest(request("GET"), failure, 1, HttpClientContext.create())).as(failure.toString()).isFalse();
        }
    }

    @Test
    void whatItDoesNotRetryGoesToTheConfiguredStrategy() {
        HttpRequestRetryStrategy configured = new DefaultHttpRequestRetryStrategy(3, TimeValue.ofSeconds(1));
        ClosedConnectionRetry retry = new ClosedConnectionRetry(false, configured, () -> { });
        HttpClientContext context = HttpClientContext.create();
        IOException reset = new SocketException("Connection reset");

        assertThat(retry.retryRequest(request("GET"), reset, 2, context)).isTrue();
        assertThat(retry.getRetryInterval(request("GET"), reset, 2, context))
                .isEqualTo(configured.getRetryInterval(request("GET"), reset, 2, context));
        assertThat(retry.retried()).isZero();
    }

    @Test
    void theRetryAndOnlyTheRetryLeasesANewConnection() throws Exception {
        ClosedConnectionRetry retry = new ClosedConnectionRetry(false, null, () -> { });
        ConnectionConfig base = ConnectionConfig.custom().setValidateAfterInactivity(TimeValue.ofSeconds(2)).build();
        Resolver<HttpRoute, ConnectionConfig> pool = ClosedConnectionRetry.connectionConfig(base);
        HttpRoute route = new HttpRoute(new HttpHost("https", "localhost", 8443));
        assertThat(pool.resolve(route)).isSameAs(base);

        retry.retryRequest(request("GET"), new NoHttpResponseException("no answer"), 1, HttpClientContext.create());
        CompletableFuture<ConnectionConfig> anotherThread = CompletableFuture.supplyAsync(() -> pool.resolve(route));

        assertThat(anotherThread.get(10, TimeUnit.SECONDS)).as("another caller's lease").isSameAs(base);
        ConnectionConfig retried = pool.resolve(route);
        assertThat(retried.getTimeToLive()).as("the retry's lease: a pooled connection is replaced")
                .isEqualTo(TimeValue.ZERO_MILLISECONDS);
        assertThat(retried.getValidateAfterInactivity()).isEqualTo(TimeValue.ofSeconds(2));
        assertThat(pool.resolve(route)).as("the next lease").isSameAs(base);
    }

    private static HttpRequest request(String method) {
        return new BasicHttpRequest(method, "/v1/tokens/verify");
    }
}
