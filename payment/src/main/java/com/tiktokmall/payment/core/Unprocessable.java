package com.tiktokmall.payment.core;

import io.dropwizard.jersey.validation.ValidationErrorMessage;
import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

import java.util.List;

/** 422 in the shape Dropwizard gives an invalid body: {@code {"errors": ["<field> <problem>"]}}. */
final class Unprocessable {
    private Unprocessable() {
    }

    static WebApplicationException because(String field, String problem) {
        return new WebApplicationException(Response.status(422).type(MediaType.APPLICATION_JSON_TYPE)
                .entity(new ValidationErrorMessage(List.of(field + " " + problem))).build());
    }
}
