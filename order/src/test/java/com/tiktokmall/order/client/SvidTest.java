package com.tiktokmall.order.client;

import com.tiktokmall.auth.AuthConfiguration;
import com.tiktokmall.auth.AuthTestApp;
import com.tiktokmall.mtls.SpiffeId;
import com.tiktokmall.mtls.testing.MtlsTestClient.Reply;
import com.tiktokmall.mtls.testing.MtlsTestClient;
import com.tiktokmall.mtls.testing.Ports;
import com.tiktokmall.mtls.testing.TestPki;
import com.tiktokmall.order.OrderConfiguration;
import com.tiktokmall.order.OrderTestApp;
import io.dropwizard.testing.junit5.DropwizardAppExtension;
import io.dropwizard.testing.junit5.DropwizardExtensionsSupport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.security.cert.CertificateException;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * auth and order each holding a URI-only X.509-SVID, as SPIRE and csi-driver-spiffe issue them
 * (empty subject, one critical URI SAN, no DNS or IP SAN): order calls auth by its SPIFFE ID, and
 * auth authorizes order by its own.
 */
@ExtendWith(DropwizardExtensionsSupport.class)
class SvidTest {
    private static final TestPki PKI = svids(TestPki.create(), "auth", "order");
    private static final SpiffeId AUTH_ID = SpiffeId.parse("spiffe://tiktokmall.local/auth");
    private static final SpiffeId ORDER_ID = SpiffeId.parse("spiffe://tiktokmall.local/order");

    private static final Path DATA = AuthTestApp.dataDir(PKI);
    private static final int AUTH_PORT = Ports.free();
    private static final DropwizardAppExtension<AuthConfiguration> AUTH =
            AuthTestApp.extension(AuthTestApp.settings(PKI, DATA, AUTH_PORT));
    private static final DropwizardAppExtension<OrderConfiguration> ORDER =
            OrderTestApp.extension(OrderTestApp.settings(PKI, DATA, "https://localhost:" + AUTH_PORT));

    @Test
    void anOrderIsPlacedWithBothServicesOnUriOnlySvids() {
        MtlsTestClient toAuth = MtlsTestClient.expecting(AUTH_ID, PKI.issue("gateway"), PKI.ca());
        MtlsTestClient toOrder = MtlsTestClient.expecting(ORDER_ID, PKI.issue("gateway"), PKI.ca());
        String token = toAuth.post("https://localhost:" + AUTH_PORT + "/v1/tokens", Map.of("user_id", 77)).text("token");

        Reply placed = toOrder.post("https://localhost:" + ORDER.getLocalPort() + "/v1/orders", Map.of(
                "currency", "EUR", "email", "a@example.com",
                "address", Map.of("street_address", "1 Rue", "city", "Paris", "state", "IDF", "country", "FR",
                        "zip_code", "75001"),
                "items", List.of(Map.of("product_id", 1, "quantity", 1, "cost", 5))),
                "Authorization", "Bearer " + token);

        assertThat(placed.status()).isEqualTo(201);
        assertThat(placed.json().path("user_id").asLong()).isEqualTo(77);
    }

    @Test
    void aClientCheckingHostNamesCannotUseThem() {
        MtlsTestClient byHostName = MtlsTestClient.as(PKI.issue("gateway"), PKI.ca());

        assertThatThrownBy(() -> byHostName.post("https://localhost:" + AUTH_PORT + "/v1/tokens", Map.of("user_id", 1)))
                .isInstanceOf(UncheckedIOException.class).hasRootCauseInstanceOf(CertificateException.class);
    }

    private static TestPki svids(TestPki pki, String... services) {
        for (String service : services) {
            pki.write(service, pki.ca().leaf(service).svid().issue());
        }
        return pki;
    }
}
