package com.tiktokmall.mtls;

import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.X509ExtendedTrustManager;
import java.net.Socket;
import java.security.cert.CertPathValidatorException;
import java.security.cert.CertificateException;
import java.security.cert.PKIXReason;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Instant;
import java.util.List;

/**
 * The JDK's PKIX trust manager, unchanged in what it accepts, but whose refusals say why in words
 * a person can act on: the peer certificate's name, issuer and dates, and the host name dialled.
 * The chain must also be valid at the time of the context's {@link Clock}, so that the clock a
 * service is given decides expiry here as everywhere else (the JDK's check reads the system's).
 */
final class DiagnosingTrustManager extends X509ExtendedTrustManager {
    private final X509ExtendedTrustManager pkix;
    private final TrustBundle bundle;
    private final Clock clock;

    DiagnosingTrustManager(X509ExtendedTrustManager pkix, TrustBundle bundle, Clock clock) {
        this.pkix = pkix;
        this.bundle = bundle;
        this.clock = clock;
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket) throws CertificateException {
        try {
            pkix.checkClientTrusted(chain, authType, socket);
            requireValidNow(chain);
        } catch (CertificateException e) {
            throw diagnose(chain, Certificates.CLIENT_AUTH, null, e);
        }
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine) throws CertificateException {
        try {
            pkix.checkClientTrusted(chain, authType, engine);
            requireValidNow(chain);
        } catch (CertificateException e) {
            throw diagnose(chain, Certificates.CLIENT_AUTH, null, e);
        }
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket) throws CertificateException {
        try {
            pkix.checkServerTrusted(chain, jdkAuthType(authType), socket);
            requireValidNow(chain);
        } catch (CertificateException e) {
            SSLSocket ssl = socket instanceof SSLSocket s ? s : null;
            String host = ssl == null || ssl.getHandshakeSession() == null ? null : ssl.getHandshakeSession().getPeerHost();
            throw diagnose(chain, Certificates.SERVER_AUTH, ssl == null ? null : checkedHost(ssl.getSSLParameters(), host), e);
        }
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine) throws CertificateException {
        try {
            pkix.checkServerTrusted(chain, jdkAuthType(authType), engine);
            requireValidNow(chain);
        } catch (CertificateException e) {
            throw diagnose(chain, Certificates.SERVER_AUTH,
                    engine == null ? null : checkedHost(engine.getSSLParameters(), engine.getPeerHost()), e);
        }
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
        checkClientTrusted(chain, authType, (Socket) null);
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
        checkServerTrusted(chain, authType, (Socket) null);
    }

    @Override
    public X509Certificate[] getAcceptedIssuers() {
        return pkix.getAcceptedIssuers();
    }

    /** Every certificate PKIX validated (a CA of the bundle the peer sends along is an anchor, not validated). */
    private void requireValidNow(X509Certificate[] chain) throws CertificateException {
        Instant now = clock.instant();
        for (X509Certificate certificate : chain) {
            boolean valid = !now.isAfter(certificate.getNotAfter().toInstant())
                    && !now.isBefore(certificate.getNotBefore().toInstant());
            // only a certificate out of date looks up the bundle: every handshake passes through here
            if (!valid && !bundle.certificates().contains(certificate)) {
                throw new CertificateException("not valid at " + now + " by this service's clock");
            }
        }
    }

    private PeerCertificateException diagnose(X509Certificate[] chain, String purpose, String host,
                                              CertificateException refusal) {
        X509Certificate leaf = chain[0];
        String peer = "peer certificate " + Certificates.name(leaf);
        Instant now = clock.instant();
        CertPathValidatorException validation = bundle.validate(List.of(chain), now).orElse(null);
        CertPathValidatorException.Reason failure = validation == null ? null
                : bundle.madeByAnotherKey(leaf, validation) ? PKIXReason.NO_TRUST_ANCHOR : validation.getReason();
        String reason;
        if (now.isAfter(leaf.getNotAfter().toInstant())) {
            reason = peer + " expired at " + leaf.getNotAfter().toInstant();
        } else if (now.isBefore(leaf.getNotBefore().toInstant())) {
            reason = peer + " is not valid before " + leaf.getNotBefore().toInstant();
        } else if (failure == PKIXReason.NO_TRUST_ANCHOR) {
            reason = peer + " " + bundle.unknownIssuer(leaf);
        } else if (failure == CertPathValidatorException.BasicReason.REVOKED) {
            reason = peer + " (serial " + leaf.getSerialNumber().toString(16) + ") is revoked by the CRL of its CA";
        } else if (!Certificates.allowsPurpose(leaf, purpose)) {
            reason = peer + " lacks the " + (purpose.equals(Certificates.SERVER_AUTH) ? "serverAuth" : "clientAuth")
                    + " extended key usage";
        } else if (host != null && !HostNames.matches(leaf, host)) {
            reason = "host name " + host + " is not among the server certificate's SANs "
                    + Certificates.subjectAltNames(leaf);
        } else {
            reason = peer + " was refused: " + refusal.getMessage();
        }
        return new PeerCertificateException(reason, refusal);
    }

    /**
     * Conscrypt names the TLS 1.3 key exchange "GENERIC", which the JDK's trust manager refuses;
     * the JDK's own name for it is "UNKNOWN".
     */
    private static String jdkAuthType(String authType) {
        return "GENERIC".equals(authType) ? "UNKNOWN" : authType;
    }

    private static String checkedHost(SSLParameters parameters, String host) {
        return parameters.getEndpointIdentificationAlgorithm() == null ? null : host;
    }
}
