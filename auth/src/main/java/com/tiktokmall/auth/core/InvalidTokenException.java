package com.tiktokmall.auth.core;

import jakarta.ws.rs.BadRequestException;

/** A token that this service did not sign: nothing to revoke. Answered with 400. */
public class InvalidTokenException extends BadRequestException {
    private static final long serialVersionUID = 1L;

    public InvalidTokenException(String message) {
        super(message);
    }
}
