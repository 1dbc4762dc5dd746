package com.tiktokmall.auth.core;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.tiktokmall.mtls.Pem;
import com.tiktokmall.mtls.TlsException;
import com.tiktokmall.mtls.dropwizard.config.SettingException;
import org.bouncycastle.jcajce.provider.asymmetric.util.EC5Util;
import org.bouncycastle.math.ec.FixedPointCombMultiplier;

import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.interfaces.ECPrivateKey;
import java.security.interfaces.ECPublicKey;
import java.security.spec.ECPoint;
import java.security.spec.ECPublicKeySpec;

/**
 * auth's ES256 key pair, read from a PEM private key so that tokens survive a restart. The public
 * half is derived from the private key, which is all scripts/generate_certs.sh writes.
 */
public final class TokenSigningKey {
    private static final String SETTING = "tokens.signing_key";
    private static final String GENERATE = "make one with scripts/generate_certs.sh auth";

    private final ECKey jwk;

    private TokenSigningKey(ECKey jwk) {
        this.jwk = jwk;
    }

    /** @throws SettingException naming {@code tokens.signing_key} and the file */
    public static TokenSigningKey fromPem(Path file) {
        return read(file, SETTING, GENERATE);
    }

    /**
     * The key {@code tokens.previous_keys[index]} names: one auth signed with before, whose tokens
     * still verify.
     *
     * @throws SettingException naming that setting and the file
     */
    public static TokenSigningKey previousFromPem(Path file, int index) {
        return read(file, "tokens.previous_keys[" + index + "]",
                "point it at a key auth signed with before (a former tokens.signing_key file), or remove it");
    }

    private static TokenSigningKey read(Path file, String setting, String fix) {
        PrivateKey key;
        try {
            key = Pem.privateKey(file, null);
        } catch (TlsException e) {
            throw new SettingException(setting, file + ": " + e.problem(), fix);
        }
        if (!(key instanceof ECPrivateKey ec) || !Curve.P_256.equals(Curve.forECParameterSpec(ec.getParams()))) {
            throw new SettingException(setting, file + ": the token-signing key is not an EC P-256 key, which ES256 needs",
                    fix);
        }
        try {
            return new TokenSigningKey(new ECKey.Builder(Curve.P_256, publicKeyOf(ec))
                    .privateKey(ec)
                    .keyIDFromThumbprint()
                    .build());
        } catch (JOSEException | GeneralSecurityException e) {
            throw new IllegalStateException("cannot build the token-signing JWK", e);
        }
    }

    /** The key pair, private half included: for signing. */
    public ECKey signingJwk() {
        return jwk;
    }

    /** The public half only: for verifying. */
    public ECKey verificationJwk() {
        return jwk.toPublicJWK();
    }

    /** The key id tokens signed with this key carry in their header: the JWK thumbprint. */
    public String keyId() {
        return jwk.getKeyID();
    }

    private static ECPublicKey publicKeyOf(ECPrivateKey key) throws GeneralSecurityException {
        var curve = EC5Util.convertSpec(key.getParams());
        var q = new FixedPointCombMultiplier().multiply(curve.getG(), key.getS()).normalize();
        ECPoint point = new ECPoint(q.getAffineXCoord().toBigInteger(), q.getAffineYCoord().toBigInteger());
        return (ECPublicKey) KeyFactory.getInstance("EC").generatePublic(new ECPublicKeySpec(point, key.getParams()));
    }
}
