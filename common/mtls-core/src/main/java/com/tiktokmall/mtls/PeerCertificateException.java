package com.tiktokmall.mtls;

import java.security.cert.CertificateException;

/** A peer's certificate refused during a handshake, with the reason in plain words. */
final class PeerCertificateException extends CertificateException {
    private static final long serialVersionUID = 1L;

    PeerCertificateException(String reason, CertificateException refusal) {
        super(reason, refusal);
    }
}
