package com.tiktokmall.auth.resources;

import com.codahale.metrics.annotation.Timed;
import com.tiktokmall.auth.api.IssueTokenRequest;
import com.tiktokmall.auth.api.IssuedToken;
import com.tiktokmall.auth.api.TokenRequest;
import com.tiktokmall.auth.api.TokenVerification;
import com.tiktokmall.auth.core.TokenService;
import jakarta.annotation.security.RolesAllowed;
import jakarta.validation.Valid;
import jakarta.validation.constraints.NotNull;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

/** TikTokMall's auth.proto over HTTPS: DeliverTokenByRPC, VerifyTokenByRPC and revocation. */
@Path("/v1/tokens")
@Produces(MediaType.APPLICATION_JSON)
@Consumes(MediaType.APPLICATION_JSON)
public class TokenResource {
    private final TokenService tokens;

    public TokenResource(TokenService tokens) {
        this.tokens = tokens;
    }

    @POST
    @Timed
    @RolesAllowed(AuthRoles.ISSUE_TOKENS)
    public Response issue(@NotNull @Valid IssueTokenRequest request) {
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
    public Response revoke(@NotNull @Valid TokenRequest request) {
        tokens.revoke(request.token());
        return Response.noContent().build();
    }
}
