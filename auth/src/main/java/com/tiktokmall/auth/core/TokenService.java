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
import com.nimbusds.jwt.proc.DefaultJWTClaimsVerifier;
import com.nimbusds.jwt.proc.DefaultJWTProcessor;
import com.tiktokmall.auth.api.IssuedToken;
import com.tiktokmall.auth.api.TokenVerification;
import com.tiktokmall.auth.db.RevocationDao;

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
 * Issues, verifies and revokes user tokens: ES256 JWTs whose {@code jti} can be revoked. Tokens are
 * signed with one key and verified with it or any of the previous keys (key rollover: tokens
 * signed before the switch stay valid until they expire); the {@code kid} header picks the key.
 */
public class TokenService {
    private final TokenSigningKey key;
    private final List<ECKey> verificationKeys;
    private final String issuer;
    private final Duration lifetime;
    private final RevocationDao revocations;
    private final Clock clock;
    private final DefaultJWTProcessor<SecurityContext> processor = new DefaultJWTProcessor<>();

    /**
     * @param key          signs new tokens, and verifies them
     * @param previousKeys only verify: keys that signed tokens before {@code key} did
     */
    public TokenService(TokenSigningKey key, List<TokenSigningKey> previousKeys, String issuer, Duration lifetime,
                        RevocationDao revocations, Clock clock) {
        this.key = key;
        Map<String, ECKey> keys = new LinkedHashMap<>();
        Stream.concat(Stream.of(key), previousKeys.stream())
                .forEach(k -> keys.putIfAbsent(k.keyId(), k.verificationJwk()));
        this.verificationKeys = List.copyOf(keys.values());
        this.issuer = issuer;
        this.lifetime = lifetime;
        this.revocations = revocations;
        this.clock = clock;
        processor.setJWSKeySelector(new JWSVerificationKeySelector<>(JWSAlgorithm.ES256,
                new ImmutableJWKSet<>(new JWKSet(List.<JWK>copyOf(verificationKeys)))));
        processor.setJWTClaimsSetVerifier(new DefaultJWTClaimsVerifier<>(
                new JWTClaimsSet.Builder().issuer(issuer).build(), Set.of("sub", "iat", "exp", "jti")));
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
        try {
            JWTClaimsSet claims = processor.process(token, null);
            if (revocations.isRevoked(claims.getJWTID())) {
                return TokenVerification.invalid("revoked");
            }
            return TokenVerification.valid(Long.parseLong(claims.getSubject()), claims.getExpirationTime().toInstant());
        } catch (ParseException | NumberFormatException e) {
            return TokenVerification.invalid("malformed");
        } catch (BadJOSEException | JOSEException e) {
            return TokenVerification.invalid(e.getMessage());
        }
    }

    /**
     * Revokes a token this service signed (with the current or a previous key), even an expired
     * one; revoking twice is fine.
     *
     * @throws InvalidTokenException when the token is not one of ours
     */
    public void revoke(String token) {
        try {
            SignedJWT jwt = SignedJWT.parse(token);
            JWTClaimsSet claims = jwt.getJWTClaimsSet();
            if (!signedByOurKey(jwt) || claims.getJWTID() == null || claims.getExpirationTime() == null) {
                throw new InvalidTokenException("the token is not signed by this auth service");
            }
            revocations.revoke(claims.getJWTID(), claims.getExpirationTime().toInstant(), clock.instant());
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
