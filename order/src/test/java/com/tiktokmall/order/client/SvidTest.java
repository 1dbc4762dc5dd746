package com.tiktokmall.order.client;

import com.tiktokmall.mtls.SpiffeId;
import com.tiktokmall.mtls.testing.MtlsTestClient.Reply;
import com.tiktokmall.mtls.testing.MtlsTestClient;
import com.tiktokmall.mtls.testing.TestPki;
import com.tiktokmall.order.AuthAndOrder;
import com.tiktokmall.order.OrderFixture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.io.UncheckedIOException;
import java.security.cert.CertificateException;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * auth and order each holding a URI-only X.509-SVID, as SPIRE and csi-driver-spiffe issue them
 * (empty subject, one critical URI SAN, no DNS or IP SAN): order calls auth by its SPIFFE ID, and
 * auth authorizes order by its own.
 */
class SvidTest {
    private static final TestPki PKI = svids(TestPki.create(), "auth", "order");
    private static final SpiffeId AUTH_ID = SpiffeId.parse("spiffe://tiktokmall.local/auth");
    private static final SpiffeId ORDER_ID = SpiffeId.parse("spiffe://tiktokmall.local/order");

    @RegisterExtension
    static final AuthAndOrder APPS = AuthAndOrder.of(PKI);

    @Test
    void anOrderIsPlacedWithBothServicesOnUriOnlySvids() {
        MtlsTestClient toAuth = MtlsTestClient.expecting(AUTH_ID, PKI.issue("gateway"), PKI.ca());
        MtlsTestClient toOrder = MtlsTestClient.expecting(ORDER_ID, PKI.issue("gateway"), PKI.ca());
        String token = toAuth.post(APPS.authUrl("/v1/tokens"), Map.of("user_id", 77)).text("token");

        Reply placed = toOrder.post(APPS.orderUrl("/v1/orders"), OrderFixture.order(), "Authorization", "Bearer " + token);

        assertThat(placed.status()).isEqualTo(201);
        assertThat(placed.json().path("user_id").asLong()).isEqualTo(77);
    }

    @Test
    void aClientCheckingHostNamesCannotUseThem() {
        MtlsTestClient byHostName = MtlsTestClient.as(PKI.issue("gateway"), PKI.ca());

        assertThatThrownBy(() -> byHostName.post(APPS.authUrl("/v1/tokens"), Map.of("user_id", 1)))
                .isInstanceOf(UncheckedIOException.class).hasRootCauseInstanceOf(CertificateException.class);
    }

    private static TestPki svids(TestPki pki, String... services) {
        for (String service : services) {
            pki.write(service, pki.ca().leaf(service).svid().issue());
        }
        return pki;
    }
}
