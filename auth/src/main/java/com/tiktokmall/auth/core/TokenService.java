package com.tiktokmall.auth.core;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.ECDSASigner;
import com.nimbusds.jose.crypto.ECDSAVerifier;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.source.ImmutableJWKSet;
import com.nimbusds.jose.proc.BadJOSEException;
import com.nimbusds.jose.proc.JWSVerificationKeySelector;
import com.nimbusds.jose.proc.SecurityContext;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import com.nimbusds.jwt.proc.BadJWTException;
import com.nimbusds.jwt.proc.DefaultJWTClaimsVerifier;
import com.nimbusds.jwt.proc.DefaultJWTProcessor;
import com.tiktokmall.auth.api.IssuedToken;
import com.tiktokmall.auth.api.TokenVerification;
import com.tiktokmall.auth.db.RevocationDao;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.text.ParseException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Date;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Stream;

/**
 * Issues, verifies and revokes user tokens: ES256 JWTs whose {@code jti} can be revoked. A token
 * is valid only until its {@code exp}, to the second, with no clock skew allowed; an invalid one
 * is answered with one reason of a fixed set ({@link #MALFORMED}, {@link #TOO_LONG},
 * {@link #BAD_SIGNATURE}, {@link #WRONG_ISSUER}, {@link #NOT_YET_VALID}, {@link #EXPIRED},
 * {@link #REVOKED}), never the JWT library's wording. Tokens are signed with one key and verified
 * with it or any of the previous keys (key rollover: tokens signed before the switch stay valid
 * until they expire); the {@code kid} header picks the key.
 */
public class TokenService {
    private static final Logger LOG = LoggerFactory.getLogger(TokenService.class);

    public static final String MALFORMED = "malformed";
    public static final String TOO_LONG = "too long";
    public static final String BAD_SIGNATURE = "bad signature";
    public static final String WRONG_ISSUER = "wrong issuer";
    public static final String NOT_YET_VALID = "not yet valid";
    public static final String EXPIRED = "expired";
    public static final String REVOKED = "revoked";

    private final TokenSigningKey key;
    private final List<ECKey> verificationKeys;
    private final String issuer;
    private final Duration lifetime;
    private final int maxLength;
    private final RevocationDao revocations;
    private final Clock clock;
    private final DefaultJWTProcessor<SecurityContext> processor = new DefaultJWTProcessor<>();

    /**
     * @param key          signs new tokens, and verifies them
     * @param previousKeys only verify: keys that signed tokens before {@code key} did
     * @param maxLength    the longest token looked at, in characters; longer ones are not ours
     */
    public TokenService(TokenSigningKey key, List<TokenSigningKey> previousKeys, String issuer, Duration lifetime,
                        int maxLength, RevocationDao revocations, Clock clock) {
        this.key = key;
        Map<String, ECKey> keys = new LinkedHashMap<>();
        Stream.concat(Stream.of(key), previousKeys.stream())
                .forEach(k -> keys.putIfAbsent(k.keyId(), k.verificationJwk()));
        this.verificationKeys = List.copyOf(keys.values());
        this.issuer = issuer;
        this.lifetime = lifetime;
        this.maxLength = maxLength;
        this.revocations = revocations;
        this.clock = clock;
        processor.setJWSKeySelector(new JWSVerificationKeySelector<>(JWSAlgorithm.ES256,
                new ImmutableJWKSet<>(new JWKSet(List.<JWK>copyOf(verificationKeys)))));
        // The issuer and the expiry are checked below, against this service's clock and without skew.
        DefaultJWTClaimsVerifier<SecurityContext> claims = new DefaultJWTClaimsVerifier<>(null,
                Set.of("iss", "sub", "iat", "exp", "jti"));
        claims.setMaxClockSkew(0);
        processor.setJWTClaimsSetVerifier(claims);
    }

    public IssuedToken issue(long userId) {
        Instant now = clock.instant();
        Instant expiresAt = now.plus(lifetime).truncatedTo(ChronoUnit.SECONDS);
        JWTClaimsSet claims = new JWTClaimsSet.Builder()
                .issuer(issuer)
                .subject(Long.toString(userId))
                .issueTime(Date.from(now))
                .expirationTime(Date.from(expiresAt))
                .jwtID(UUID.randomUUID().toString())
                .build();
        SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.ES256).keyID(key.signingJwk().getKeyID()).build(),
                claims);
        try {
            jwt.sign(new ECDSASigner(key.signingJwk()));
        } catch (JOSEException e) {
            throw new IllegalStateException("cannot sign a token", e);
        }
        return new IssuedToken(jwt.serialize(), expiresAt);
    }

    public TokenVerification verify(String token) {
        if (token.length() > maxLength) {
            return TokenVerification.invalid(TOO_LONG);
        }
        JWTClaimsSet claims;
        long userId;
        try {
            claims = processor.process(token, null);
            userId = Long.parseLong(claims.getSubject());
        } catch (ParseException | NumberFormatException e) {
            return TokenVerification.invalid(MALFORMED);
        } catch (BadJWTException e) {
            return TokenVerification.invalid(reason(e));
        } catch (BadJOSEException | JOSEException e) { // BadJWSException, no key for its alg or kid, unsigned
            return TokenVerification.invalid(BAD_SIGNATURE);
        }
        Instant expiresAt = claims.getExpirationTime().toInstant();
        if (!issuer.equals(claims.getIssuer())) {
            return TokenVerification.invalid(WRONG_ISSUER);
        }
        if (!clock.instant().isBefore(expiresAt)) {
            return TokenVerification.invalid(EXPIRED);
        }
        if (revocations.isRevoked(claims.getJWTID())) {
            return TokenVerification.invalid(REVOKED);
        }
        return TokenVerification.valid(userId, expiresAt);
    }

    /** The library's claim checks, in this service's words. */
    private static String reason(BadJWTException e) {
        String message = String.valueOf(e.getMessage());
        if (message.startsWith("Expired")) {
            return EXPIRED;
        }
        if (message.contains("before use time")) {
            return NOT_YET_VALID;
        }
        return MALFORMED;
    }

    /**
     * Deletes the revocations of tokens that have expired, {@code batch} rows at a time and at most
     * {@code maxBatches} batches; returns how many were deleted. Run on a schedule: it never throws
     * (an exception would end the schedule); the next round tries again.
     */
    public int purgeExpiredRevocations(int batch, int maxBatches) {
        Instant now = clock.instant();
        int purged = 0;
        try {
            for (int i = 0; i < maxBatches; i++) {
                int deleted = revocations.purge(now, batch);
                purged += deleted;
                if (deleted < batch) {
                    break;
                }
            }
        } catch (RuntimeException e) { // the database is away
            LOG.warn("Purging the revocations of expired tokens failed: {}", e.toString());
        }
        return purged;
    }

    /**
     * Revokes a token this service signed (with the current or a previous key); revoking twice is
     * fine, and revoking an expired one too, though it records nothing: it is refused anyway.
     *
     * @throws InvalidTokenException when the token is not one of ours
     */
    public void revoke(String token) {
        if (token.length() > maxLength) {
            throw new InvalidTokenException("the token is longer than " + maxLength + " characters: not one of ours");
        }
        try {
            SignedJWT jwt = SignedJWT.parse(token);
            JWTClaimsSet claims = jwt.getJWTClaimsSet();
            if (!signedByOurKey(jwt) || claims.getJWTID() == null || claims.getExpirationTime() == null) {
                throw new InvalidTokenException("the token is not signed by this auth service");
            }
            Instant now = clock.instant();
            Instant expiresAt = claims.getExpirationTime().toInstant();
            if (now.isBefore(expiresAt)) {
                revocations.revoke(claims.getJWTID(), expiresAt, now);
            }
        } catch (ParseException | JOSEException e) {
            throw new InvalidTokenException("the token is not a signed JWT");
        }
    }

    private boolean signedByOurKey(SignedJWT jwt) throws JOSEException {
        if (!JWSAlgorithm.ES256.equals(jwt.getHeader().getAlgorithm())) {
            return false;
        }
        String kid = jwt.getHeader().getKeyID();
        for (ECKey candidate : verificationKeys) {
            if ((kid == null || kid.equals(candidate.getKeyID())) && jwt.verify(new ECDSAVerifier(candidate))) {
                return true;
            }
        }
        return false;
    }
}
