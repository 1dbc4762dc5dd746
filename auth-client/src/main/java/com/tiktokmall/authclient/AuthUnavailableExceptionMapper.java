package com.tiktokmall.authclient;

import io.dropwizard.jersey.errors.ErrorMessage;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.ext.ExceptionMapper;

/**
 * 503 with a JSON error. {@link AuthClient} has already logged the reason, so unlike Dropwizard's
 * default mapper for server errors this one adds no stack trace to the log.
 */
public class AuthUnavailableExceptionMapper implements ExceptionMapper<AuthUnavailableException> {
    @Override
    public Response toResponse(AuthUnavailableException exception) {
        int status = Response.Status.SERVICE_UNAVAILABLE.getStatusCode();
        return Response.status(status)
                .type(MediaType.APPLICATION_JSON_TYPE)
                .entity(new ErrorMessage(status, "the auth service is unavailable; nothing was stored, try again later"))
                .build();
    }
}
