package com.tiktokmall.auth.resources;

import com.codahale.metrics.Meter;
import com.codahale.metrics.annotation.Timed;
import com.tiktokmall.auth.api.IssueTokenRequest;
import com.tiktokmall.auth.api.IssuedToken;
import com.tiktokmall.auth.api.TokenRequest;
import com.tiktokmall.auth.api.TokenVerification;
import com.tiktokmall.auth.core.CallerRateLimiter;
import com.tiktokmall.auth.core.TokenService;
import io.dropwizard.jersey.errors.ErrorMessage;
import jakarta.annotation.security.RolesAllowed;
import jakarta.validation.Valid;
import jakarta.validation.constraints.NotNull;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.SecurityContext;

import java.time.Duration;

/**
 * TikTokMall's auth.proto over HTTPS: DeliverTokenByRPC, VerifyTokenByRPC and revocation.
 * Minting and revoking are rate-limited per caller identity (429 with {@code Retry-After});
 * verifying, which other services do on every request, is not.
 */
@Path("/v1/tokens")
@Produces(MediaType.APPLICATION_JSON)
@Consumes(MediaType.APPLICATION_JSON)
public class TokenResource {
    public static final int TOO_MANY_REQUESTS = 429;

    private final TokenService tokens;
    private final CallerRateLimiter limiter;
    private final Meter rateLimited;

    /** @param rateLimited marked once for each request refused by {@code limiter} */
    public TokenResource(TokenService tokens, CallerRateLimiter limiter, Meter rateLimited) {
        this.tokens = tokens;
        this.limiter = limiter;
        this.rateLimited = rateLimited;
    }

    @POST
    @Timed
    @RolesAllowed(AuthRoles.ISSUE_TOKENS)
    public Response issue(@Context SecurityContext caller, @NotNull @Valid IssueTokenRequest request) {
        limit(caller);
        IssuedToken token = tokens.issue(request.userId());
        return Response.status(Response.Status.CREATED).entity(token).build();
    }

    @POST
    @Path("/verify")
    @Timed
    @RolesAllowed(AuthRoles.VERIFY_TOKENS)
    public TokenVerification verify(@NotNull @Valid TokenRequest request) {
        return tokens.verify(request.token());
    }

    @POST
    @Path("/revoke")
    @Timed
    @RolesAllowed(AuthRoles.REVOKE_TOKENS)
    public Response revoke(@Context SecurityContext caller, @NotNull @Valid TokenRequest request) {
        limit(caller);
        tokens.revoke(request.token());
        return Response.noContent().build();
    }

    /** Takes one request from the caller's bucket, or answers 429 naming the caller and the limit. */
    private void limit(SecurityContext context) {
        String caller = context.getUserPrincipal().getName();
        Duration wait = limiter.acquire(caller);
        if (wait.isZero()) {
            return;
        }
        rateLimited.mark();
        long seconds = Math.max(1, wait.getSeconds() + (wait.getNano() > 0 ? 1 : 0));
        String message = caller + " may mint and revoke at most " + limiter.perSecond() + " tokens a second (bursts of "
                + limiter.burst() + "); try again in " + seconds + " s";
        throw new WebApplicationException(Response.status(TOO_MANY_REQUESTS)
                .header(HttpHeaders.RETRY_AFTER, seconds)
                .type(MediaType.APPLICATION_JSON_TYPE)
                .entity(new ErrorMessage(TOO_MANY_REQUESTS, message))
                .build());
    }
}
