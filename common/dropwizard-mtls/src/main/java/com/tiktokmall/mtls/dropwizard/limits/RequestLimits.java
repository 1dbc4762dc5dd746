package com.tiktokmall.mtls.dropwizard.limits;

import com.tiktokmall.mtls.dropwizard.config.LimitsConfiguration;
import io.dropwizard.core.setup.Environment;
import jakarta.servlet.DispatcherType;

import java.util.EnumSet;

/**
 * The request side of the {@code limits} block for a whole service: bodies over
 * {@code max_request_body} get 413 before they are parsed (on the application and the admin
 * port), JSON is read strictly and within bounds, and JSON that does not bind is answered with
 * the field at fault.
 */
public final class RequestLimits {
    private RequestLimits() {
    }

    /** Installs all of it; call it from {@code run()}, after the configuration has been read. */
    public static void register(Environment environment, LimitsConfiguration limits) {
        long max = limits.getMaxRequestBody();
        environment.servlets().addFilter("request-body-limit", new RequestBodyLimitFilter(max))
                .addMappingForUrlPatterns(EnumSet.of(DispatcherType.REQUEST), false, "/*");
        environment.admin().addFilter("request-body-limit", new RequestBodyLimitFilter(max))
                .addMappingForUrlPatterns(EnumSet.of(DispatcherType.REQUEST), false, "/*");
        environment.jersey().register(new RequestBodyLimitInterceptor(max));
        environment.jersey().register(new JsonErrorMapper());
        StrictJson.apply(environment.getObjectMapper(), limits);
    }
}
