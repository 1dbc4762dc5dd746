package com.tiktokmall.payment.resources;

import com.codahale.metrics.annotation.Timed;
import com.tiktokmall.authclient.AuthClient;
import com.tiktokmall.payment.api.ChargeRequest;
import com.tiktokmall.payment.core.ChargeService;
import com.tiktokmall.payment.core.ChargeService.Outcome;
import com.tiktokmall.payment.core.ChargeStatus;
import jakarta.annotation.security.RolesAllowed;
import jakarta.validation.Valid;
import jakarta.validation.constraints.NotNull;
import jakarta.ws.rs.BadRequestException;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

import java.util.regex.Pattern;

/**
 * TikTokMall's payment.proto over HTTPS: Charge. 201 charged and the order marked paid; 202
 * charged, the order not yet marked paid (retried; ask again with the same key); 200 with
 * {@code Idempotent-Replayed: true} for a key already used.
 */
@Path("/v1/charges")
@Produces(MediaType.APPLICATION_JSON)
@Consumes(MediaType.APPLICATION_JSON)
public class ChargeResource {
    static final String IDEMPOTENCY_KEY = "Idempotency-Key";
    private static final Pattern KEY = Pattern.compile("[\\x21-\\x7e]{1,255}");

    private final ChargeService charges;
    private final AuthClient auth;

    public ChargeResource(ChargeService charges, AuthClient auth) {
        this.charges = charges;
        this.auth = auth;
    }

    @POST
    @Timed
    @RolesAllowed(PaymentRoles.CHARGE)
    public Response charge(@HeaderParam(HttpHeaders.AUTHORIZATION) String authorization,
                           @HeaderParam(IDEMPOTENCY_KEY) String idempotencyKey,
                           @NotNull @Valid ChargeRequest request) {
        long user = auth.userOf(authorization);
        if (idempotencyKey == null || !KEY.matcher(idempotencyKey).matches()) {
            throw new BadRequestException("the Idempotency-Key header is required: 1 to 255 visible ASCII characters,"
                    + " the same for every attempt at one charge");
        }
        Outcome outcome = charges.charge(user, idempotencyKey, request);
        Response.ResponseBuilder response = outcome.charge().status() == ChargeStatus.CHARGED
                ? Response.accepted()
                : Response.status(outcome.replayed() ? Response.Status.OK : Response.Status.CREATED);
        if (outcome.replayed()) {
            response.header("Idempotent-Replayed", "true");
        }
        return response.entity(outcome.charge()).build();
    }
}
