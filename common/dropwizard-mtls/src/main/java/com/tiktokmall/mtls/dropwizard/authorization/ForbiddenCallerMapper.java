package com.tiktokmall.mtls.dropwizard.authorization;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.tiktokmall.mtls.Certificates;
import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.ForbiddenException;
import jakarta.ws.rs.container.ResourceInfo;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Request;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.SecurityContext;
import jakarta.ws.rs.core.UriInfo;
import jakarta.ws.rs.ext.ExceptionMapper;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.lang.reflect.Method;
import java.util.Arrays;
import java.util.Optional;

/**
 * A caller refused by {@code @RolesAllowed}: 403 with a JSON body naming its identity (or saying
 * it has none) and the role it lacks, and one INFO line with identity, method and path.
 */
final class ForbiddenCallerMapper implements ExceptionMapper<ForbiddenException> {
    private static final Logger LOG = LoggerFactory.getLogger(ForbiddenCallerMapper.class);

    @Context
    private ResourceInfo resource;
    @Context
    private SecurityContext security;
    @Context
    private UriInfo uri;
    @Context
    private Request request;

    @Override
    public Response toResponse(ForbiddenException exception) {
        Optional<String> required = requiredRole();
        if (required.isEmpty() || !(security.getUserPrincipal() instanceof PeerPrincipal caller)) {
            return refusal(new Refusal(exception.getMessage(), null, null));
        }
        String call = request.getMethod() + " /" + Certificates.printable(uri.getPath());
        String who = caller.identity().map(Object::toString).orElse("a caller without identity (certificate "
                + caller.subject() + " has no spiffe:// URI SAN of our trust domain)");
        LOG.info("refused {} to {}: lacks role {}", call, caller.getName(), required.get());
        return refusal(new Refusal(who + " may not call " + call + ": it lacks the role " + required.get(),
                caller.identity().map(Object::toString).orElse(null), required.get()));
    }

    private Optional<String> requiredRole() {
        Method method = resource.getResourceMethod();
        RolesAllowed roles = method == null ? null : Optional.ofNullable(method.getAnnotation(RolesAllowed.class))
                .orElse(resource.getResourceClass().getAnnotation(RolesAllowed.class));
        return roles == null ? Optional.empty() : Optional.of(String.join(" or ", Arrays.asList(roles.value())));
    }

    private static Response refusal(Refusal body) {
        return Response.status(Response.Status.FORBIDDEN).type(MediaType.APPLICATION_JSON_TYPE).entity(body).build();
    }

    /** The 403 body: Dropwizard's {@code code} and {@code message}, plus who was refused and why. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    record Refusal(@JsonProperty("message") String message, @JsonProperty("identity") String identity,
                   @JsonProperty("missing_role") String missingRole) {
        @JsonProperty("code")
        int code() {
            return 403;
        }
    }
}
