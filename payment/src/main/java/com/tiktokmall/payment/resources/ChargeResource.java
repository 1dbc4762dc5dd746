package com.tiktokmall.payment.resources;

import com.codahale.metrics.annotation.Timed;
import com.tiktokmall.authclient.AuthClient;
import com.tiktokmall.payment.api.ChargeRequest;
import com.tiktokmall.payment.core.ChargeService;
import com.tiktokmall.payment.core.ChargeService.Outcome;
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

import java.util.List;
import java.util.regex.Pattern;

/**
 * TikTokMall's payment.proto over HTTPS: Charge. 201 charged and the order marked paid; 202
 * charged, the order not yet marked paid (retried; ask again with the same key); 409 with the
 * charge when order refuses it for good; 200 with {@code Idempotent-Replayed: true} for a key
 * already used.
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
                           @HeaderParam(IDEMPOTENCY_KEY) List<String> idempotencyKeys,
                           @NotNull @Valid ChargeRequest request) {
        long user = auth.userOf(authorization);
        if (idempotencyKeys.size() != 1 || !KEY.matcher(idempotencyKeys.get(0)).matches()) {
            throw new BadRequestException("one Idempotency-Key header is required: 1 to 255 visible ASCII characters,"
                    + " the same for every attempt at one charge");
        }
        Outcome outcome = charges.charge(user, idempotencyKeys.get(0), request);
        Response.ResponseBuilder response = switch (outcome.charge().status()) {
            case CHARGED -> Response.accepted();
            case REFUSED_BY_ORDER -> Response.status(Response.Status.CONFLICT);
            case COMPLETED -> Response.status(outcome.replayed() ? Response.Status.OK : Response.Status.CREATED);
        };
        if (outcome.replayed()) {
            response.header("Idempotent-Replayed", "true");
        }
        return response.entity(outcome.charge()).build();
    }
}
