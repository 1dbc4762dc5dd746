package com.tiktokmall.mtls;


import java.net.Socket;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.X509ExtendedTrustManager;

/**
 * A client's trust manager that, once the bundle has accepted the server's chain, also requires
 * the server to be the one workload the client means to call: its SPIFFE ID, as the X.509-SVID
 * standard says, in place of a host-name check. It runs inside the handshake, so a server with
 * another identity never sees a byte of the request.
 */
final class ExpectedServerTrustManager extends X509ExtendedTrustManager {
    private final X509ExtendedTrustManager bundle;
    private final SpiffeId expected;

    ExpectedServerTrustManager(X509ExtendedTrustManager bundle, SpiffeId expected) {
        this.bundle = bundle;
        this.expected = expected;
    }

    // The socket and engine are not passed on: with them the JDK checks the host name whenever the
    // connection asks for it (java.net.http always does), and the SPIFFE ID replaces that check.
    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket) throws CertificateException {
        checkServerTrusted(chain, authType);
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine) throws CertificateException {
        checkServerTrusted(chain, authType);
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
        bundle.checkServerTrusted(chain, authType);
        requireExpected(chain[0]);
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket) throws CertificateException {
        bundle.checkClientTrusted(chain, authType, socket);
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine) throws CertificateException {
        bundle.checkClientTrusted(chain, authType, engine);
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
        bundle.checkClientTrusted(chain, authType);
    }

    @Override
    public X509Certificate[] getAcceptedIssuers() {
        return bundle.getAcceptedIssuers();
    }

    private void requireExpected(X509Certificate leaf) throws PeerCertificateException {
        SpiffeId presented = SpiffeId.fromCertificate(leaf, expected.trustDomain()).orElse(null);
        if (!expected.equals(presented)) {
            throw new PeerCertificateException("the server presented " + (presented == null
                    ? "no SPIFFE ID of " + expected.trustDomain() + " (certificate " + Certificates.name(leaf) + ", URI SANs "
                    + Certificates.uriSans(leaf) + ")" : presented) + ", but this client expects " + expected, null);
        }
    }
}
