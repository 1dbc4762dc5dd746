package com.tiktokmall.authclient;

/** auth could not be asked about a token: unreachable, refusing our certificate, or failing. */
public class AuthUnavailableException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public AuthUnavailableException(String reason) {
        super(reason);
    }
}
