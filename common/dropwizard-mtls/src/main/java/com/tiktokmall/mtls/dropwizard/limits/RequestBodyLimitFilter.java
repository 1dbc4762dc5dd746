package com.tiktokmall.mtls.dropwizard.limits;

import jakarta.servlet.Filter;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.http.HttpServletResponse;

import java.io.IOException;
import java.nio.charset.StandardCharsets;

/**
 * Refuses a request whose {@code Content-Length} exceeds the limit with 413 and a JSON body,
 * before anything reads it, and closes the connection so that the body is never received.
 * Bodies without a length (chunked) are counted as they are read by {@link RequestBodyLimitInterceptor}.
 */
final class RequestBodyLimitFilter implements Filter {
    private final long max;

    RequestBodyLimitFilter(long max) {
        this.max = max;
    }

    @Override
    public void doFilter(ServletRequest request, ServletResponse response, FilterChain chain)
            throws IOException, ServletException {
        if (request.getContentLengthLong() > max) {
            refuse((HttpServletResponse) response, max);
            return;
        }
        chain.doFilter(request, response);
    }

    static String message(long max) {
        return "the request body is larger than the " + max + " bytes this service accepts";
    }

    private static void refuse(HttpServletResponse response, long max) throws IOException {
        byte[] body = ("{\"code\":413,\"message\":\"" + message(max) + "\"}").getBytes(StandardCharsets.UTF_8);
        response.setStatus(413);
        response.setHeader("Connection", "close");
        response.setContentType("application/json");
        response.setContentLength(body.length);
        response.getOutputStream().write(body);
    }
}
