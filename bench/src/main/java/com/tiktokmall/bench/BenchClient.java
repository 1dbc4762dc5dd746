package com.tiktokmall.bench;

import com.tiktokmall.mtls.Identity;
import com.tiktokmall.mtls.MtlsContext;
import com.tiktokmall.mtls.TrustBundle;
import org.apache.hc.client5.http.impl.classic.CloseableHttpClient;
import org.apache.hc.client5.http.impl.classic.HttpClients;
import org.apache.hc.client5.http.impl.io.PoolingHttpClientConnectionManagerBuilder;
import org.apache.hc.client5.http.ssl.DefaultClientTlsStrategy;
import org.apache.hc.client5.http.ssl.HostnameVerificationPolicy;
import org.apache.hc.core5.reactor.ssl.SSLBufferMode;

import java.nio.file.Path;
import java.util.Map;

/** The gateway's HTTP client: one pooled keep-alive connection per concurrent client, mTLS when given a certificate. */
final class BenchClient {
    private BenchClient() {
    }

    static CloseableHttpClient build(Map<String, String> options, int clients) {
        PoolingHttpClientConnectionManagerBuilder pool = PoolingHttpClientConnectionManagerBuilder.create()
                .setMaxConnPerRoute(clients)
                .setMaxConnTotal(clients * 2);
        if (options.containsKey("cert")) {
            MtlsContext tls = MtlsContext.forClient(Identity.fromPem(Path.of(options.get("cert")), Path.of(options.get("key"))))
                    .trust(TrustBundle.fromPem(Path.of(options.get("ca"))))
                    .build();
            pool.setTlsSocketStrategy(new DefaultClientTlsStrategy(tls.sslContext(), tls.protocols().toArray(String[]::new),
                    tls.cipherSuites().toArray(String[]::new), SSLBufferMode.STATIC, HostnameVerificationPolicy.BUILTIN,
                    null));
        }
        // Without this, a connection that presented a client certificate is never handed out again.
        return HttpClients.custom().setConnectionManager(pool.build()).disableConnectionState().build();
    }
}
