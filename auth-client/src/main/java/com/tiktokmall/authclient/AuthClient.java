package com.tiktokmall.authclient;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonProperty;
import jakarta.ws.rs.NotAuthorizedException;
import jakarta.ws.rs.ProcessingException;
import jakarta.ws.rs.client.Entity;
import jakarta.ws.rs.client.WebTarget;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Map;

/**
 * Who a bearer token belongs to, as auth says: one call to auth's {@code /v1/tokens/verify} over
 * mutual TLS per request, made with this service's own client certificate. A service registers
 * {@link AuthUnavailableExceptionMapper} with it, so that auth's absence is a 503.
 */
public class AuthClient {
    private static final Logger LOG = LoggerFactory.getLogger(AuthClient.class);
    private static final String BEARER = "Bearer ";

    private final WebTarget verify;
    private final int maxTokenLength;

    /**
     * @param auth           auth's root, e.g. {@code MtlsBundle.client(environment, "auth", config.getAuth())}
     * @param maxTokenLength the longest token asked about; auth's are about 300 characters
     */
    public AuthClient(WebTarget auth, int maxTokenLength) {
        this.verify = auth.path("/v1/tokens/verify");
        this.maxTokenLength = maxTokenLength;
    }

    /**
     * The user id of the {@code Authorization: Bearer} header.
     *
     * @throws NotAuthorizedException (401) when the header is missing, the token is longer than the
     *                                limit (auth is not asked) or not valid
     * @throws AuthUnavailableException (503) when auth cannot be asked
     */
    public long userOf(String authorization) {
        if (authorization == null || !authorization.regionMatches(true, 0, BEARER, 0, BEARER.length())
                || authorization.substring(BEARER.length()).isBlank()) {
            throw new NotAuthorizedException("an Authorization: Bearer token is required", "Bearer");
        }
        String token = authorization.substring(BEARER.length()).trim();
        if (token.length() > maxTokenLength) {
            throw new NotAuthorizedException("the bearer token is not valid", "Bearer");
        }
        Verification verification = ask(token);
        if (!verification.valid() || verification.userId() == null) {
            throw new NotAuthorizedException("the bearer token is not valid", "Bearer");
        }
        return verification.userId();
    }

    private Verification ask(String token) {
        try (Response response = verify.request(MediaType.APPLICATION_JSON).post(Entity.json(Map.of("token", token)))) {
            if (response.getStatus() != 200) {
                LOG.error("auth answered HTTP {} to a token verification at {}", response.getStatus(), verify.getUri());
                throw new AuthUnavailableException("auth answered HTTP " + response.getStatus());
            }
            return response.readEntity(Verification.class);
        } catch (ProcessingException e) {
            // The mTLS client has already put a refused handshake in words; anything else says itself.
            String reason = e.getCause() == null ? e.getMessage() : e.getCause().getMessage();
            LOG.warn("auth cannot be reached at {}: {}", verify.getUri(), reason);
            throw new AuthUnavailableException(reason);
        }
    }

    /** auth's answer; only what a caller needs. */
    @JsonIgnoreProperties(ignoreUnknown = true)
    record Verification(@JsonProperty("valid") boolean valid, @JsonProperty("user_id") Long userId) {
    }
}
