package com.tiktokmall.mtls.dropwizard.limits;

import jakarta.annotation.Priority;
import jakarta.ws.rs.ClientErrorException;
import jakarta.ws.rs.Priorities;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.ext.ReaderInterceptor;
import jakarta.ws.rs.ext.ReaderInterceptorContext;

import java.io.ByteArrayInputStream;
import java.io.IOException;

/**
 * Reads a request body, up to the limit and no further, before the JSON parser sees a byte of
 * it: a body without a length (chunked) that goes past the limit gets 413, and the connection is
 * closed rather than the rest read.
 */
@Priority(Priorities.ENTITY_CODER)
final class RequestBodyLimitInterceptor implements ReaderInterceptor {
    private final int max;

    RequestBodyLimitInterceptor(long max) {
        this.max = Math.toIntExact(max);
    }

    @Override
    public Object aroundReadFrom(ReaderInterceptorContext context) throws IOException {
        byte[] body = context.getInputStream().readNBytes(max + 1);
        if (body.length > max) {
            throw new ClientErrorException(RequestBodyLimitFilter.message(max), Response.status(413)
                    .header("Connection", "close").build());
        }
        context.setInputStream(new ByteArrayInputStream(body));
        return context.proceed();
    }
}
