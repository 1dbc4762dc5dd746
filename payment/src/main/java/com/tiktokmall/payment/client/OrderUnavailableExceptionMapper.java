package com.tiktokmall.payment.client;

import io.dropwizard.jersey.errors.ErrorMessage;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.ext.ExceptionMapper;

/** 503 with a JSON error, without a stack trace: {@link OrderClient} has logged the reason. */
public class OrderUnavailableExceptionMapper implements ExceptionMapper<OrderUnavailableException> {
    @Override
    public Response toResponse(OrderUnavailableException exception) {
        int status = Response.Status.SERVICE_UNAVAILABLE.getStatusCode();
        return Response.status(status)
                .type(MediaType.APPLICATION_JSON_TYPE)
                .entity(new ErrorMessage(status, "the order service is unavailable; nothing was charged, try again later"))
                .build();
    }
}
