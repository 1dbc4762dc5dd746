package com.tiktokmall.mtls;


import java.nio.file.Path;
import java.security.AlgorithmParameters;
import java.security.GeneralSecurityException;
import java.security.Key;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.cert.X509Certificate;
import java.security.interfaces.ECKey;
import java.security.interfaces.RSAKey;
import java.security.spec.ECGenParameterSpec;
import java.security.spec.ECParameterSpec;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/** Key checks: supported type and size, and whether a private key belongs to a certificate. */
final class Keys {
    private static final int MIN_RSA_BITS = 2048;
    private static final Map<String, ECParameterSpec> CURVES = curves("secp256r1", "P-256", "secp384r1", "P-384",
            "secp521r1", "P-521");

    private Keys() {
    }

    /** "EC P-256", "RSA 2048", or the algorithm name for anything else. */
    public static String describe(Key key) {
        if (key instanceof RSAKey rsa) {
            return "RSA " + rsa.getModulus().bitLength();
        }
        if (key instanceof ECKey ec) {
            return "EC " + curveName(ec.getParams()).orElse("(unnamed curve)");
        }
        return key.getAlgorithm();
    }

    /** RSA of at least 2048 bits, or EC on P-256, P-384 or P-521. */
    public static void requireSupported(PrivateKey key, Path keyFile) {
        if (key instanceof RSAKey rsa && rsa.getModulus().bitLength() < MIN_RSA_BITS) {
            throw TlsException.inFile(keyFile, "the RSA key has " + rsa.getModulus().bitLength()
                    + " bits; at least " + MIN_RSA_BITS + " are required", "issue a new key (EC P-256 or RSA 2048+)");
        }
        if (key instanceof ECKey ec && curveName(ec.getParams()).isEmpty()) {
            throw TlsException.inFile(keyFile, "the EC key is not on P-256, P-384 or P-521",
                    "issue a new key on P-256 (scripts/generate_certs.sh does)");
        }
        if (!(key instanceof RSAKey) && !(key instanceof ECKey)) {
            throw TlsException.inFile(keyFile, "the key type " + key.getAlgorithm() + " is not supported",
                    "use an EC P-256 or RSA 2048+ key");
        }
    }

    /** Proves by signing that {@code key} is the private half of {@code certificate}'s public key. */
    public static void requireMatch(PrivateKey key, X509Certificate certificate, Path keyFile, Path certFile) {
        if (!key.getAlgorithm().equals(certificate.getPublicKey().getAlgorithm()) || !signsFor(key, certificate)) {
            throw TlsException.inFile(keyFile, "the private key (" + describe(key) + ") does not match the certificate "
                    + Certificates.name(certificate) + (certFile == null ? "" : " in " + certFile)
                    + " (" + describe(certificate.getPublicKey()) + ")",
                    "use the key that was generated together with that certificate");
        }
    }

    private static boolean signsFor(PrivateKey key, X509Certificate certificate) {
        String algorithm = key instanceof ECKey ? "SHA256withECDSA" : "SHA256withRSA";
        byte[] challenge = new byte[32];
        new SecureRandom().nextBytes(challenge);
        try {
            Signature signer = Signature.getInstance(algorithm);
            signer.initSign(key);
            signer.update(challenge);
            byte[] signature = signer.sign();
            Signature verifier = Signature.getInstance(algorithm);
            verifier.initVerify(certificate.getPublicKey());
            verifier.update(challenge);
            return verifier.verify(signature);
        } catch (GeneralSecurityException e) {
            return false;
        }
    }

    private static Optional<String> curveName(ECParameterSpec params) {
        return CURVES.entrySet().stream()
                .filter(e -> e.getValue().getCurve().equals(params.getCurve())
                        && e.getValue().getOrder().equals(params.getOrder()))
                .map(Map.Entry::getKey)
                .findFirst();
    }

    private static Map<String, ECParameterSpec> curves(String... stdAndShortNames) {
        Map<String, ECParameterSpec> curves = new LinkedHashMap<>();
        for (int i = 0; i < stdAndShortNames.length; i += 2) {
            try {
                AlgorithmParameters parameters = AlgorithmParameters.getInstance("EC");
                parameters.init(new ECGenParameterSpec(stdAndShortNames[i]));
                curves.put(stdAndShortNames[i + 1], parameters.getParameterSpec(ECParameterSpec.class));
            } catch (GeneralSecurityException e) {
                throw new IllegalStateException("the JDK lacks curve " + stdAndShortNames[i], e);
            }
        }
        return Map.copyOf(curves);
    }
}
