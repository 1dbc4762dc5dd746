package com.tiktokmall.auth;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.ECDSASigner;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import com.tiktokmall.auth.core.TokenSigningKey;
import com.tiktokmall.mtls.testing.TestPki;
import io.dropwizard.core.Application;
import io.dropwizard.core.cli.ServerCommand;
import io.dropwizard.testing.DropwizardTestSupport;
import io.dropwizard.testing.junit5.DropwizardAppExtension;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.Date;
import java.util.Map;
import java.util.UUID;

/** auth as the tests run it: the shipped config/auth.yml, with test certificates and a private database. */
public final class AuthTestApp {
    /** System-property prefix of this service's overrides, distinct from the other service's. */
    static final String PREFIX = "auth-test.";
    /** The real configuration file; tests run from the module directory. */
    public static final String CONFIG = Path.of("../config/auth.yml").toAbsolutePath().normalize().toString();

    private AuthTestApp() {
    }

    /** A fresh temporary directory for a test class's databases. */
    public static Path dataDir(TestPki pki) {
        try {
            return Files.createTempDirectory(pki.dir(), "data");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Settings for an auth on random ports whose H2 database lives in {@code dataDir}. */
    public static Map<String, String> settings(TestPki pki, Path dataDir) {
        Map<String, String> settings = pki.tlsSettings("auth");
        settings.put("tokens.signing_key", pki.tokenSigningKey().toString());
        settings.put("database.url", "jdbc:h2:" + dataDir.resolve("auth").toAbsolutePath() + ";DB_CLOSE_ON_EXIT=FALSE");
        settings.put("server.applicationConnectors[0].port", "0");
        settings.put("server.adminConnectors[0].port", "0");
        settings.put("probes.port", "0"); // the shipped port may be taken; common's tests cover probes
        settings.put("logging.level", "WARN");
        return settings;
    }

    /** auth for a test class: started before its tests, stopped after them. */
    public static DropwizardAppExtension<AuthConfiguration> extension(Map<String, String> settings) {
        return new DropwizardAppExtension<>(AuthApplication.class, CONFIG, PREFIX, ServerCommand::new,
                TestPki.overrides(PREFIX, settings));
    }

    /** auth for a test class, its time told by {@code clock} (tokens, rate limits, certificates). */
    public static DropwizardAppExtension<AuthConfiguration> extension(Map<String, String> settings, Clock clock) {
        return new DropwizardAppExtension<>(new DropwizardTestSupport<>(AuthApplication.class, CONFIG, PREFIX,
                ServerCommand::new, TestPki.overrides(PREFIX, settings)) {
            @Override
            public Application<AuthConfiguration> newApplication() {
                return new AuthApplication(clock);
            }
        });
    }

    /** auth's database, read directly (H2 lets a second connection in from the same JVM). */
    public static org.jdbi.v3.core.Jdbi database(Map<String, String> settings) {
        return org.jdbi.v3.core.Jdbi.create(settings.get("database.url"), "sa", "");
    }

    /** auth for tests that stop and start it themselves. */
    public static DropwizardTestSupport<AuthConfiguration> support(Map<String, String> settings) {
        return new DropwizardTestSupport<>(AuthApplication.class, CONFIG, PREFIX, ServerCommand::new,
                TestPki.overrides(PREFIX, settings));
    }

    /**
     * One of several auth replicas in this JVM: each needs a system-property prefix of its own, or
     * the settings of one would be read by the other.
     */
    public static DropwizardTestSupport<AuthConfiguration> replica(int number, Map<String, String> settings) {
        String prefix = "auth-test-" + number + ".";
        return new DropwizardTestSupport<>(AuthApplication.class, CONFIG, prefix, ServerCommand::new,
                TestPki.overrides(prefix, settings));
    }

    /** A token signed with auth's key but with claims of the test's choosing, e.g. already expired. */
    public static String mintToken(TestPki pki, long userId, Instant issuedAt, Instant expiresAt) {
        return mintToken(pki.tokenSigningKey(), "tiktokmall-auth", userId, issuedAt, expiresAt);
    }

    /** As {@link #mintToken(TestPki, long, Instant, Instant)}, naming another issuer. */
    public static String mintToken(TestPki pki, String issuer, long userId, Instant issuedAt, Instant expiresAt) {
        return mintToken(pki.tokenSigningKey(), issuer, userId, issuedAt, expiresAt);
    }

    /** A token signed with the key in {@code keyFile}, as auth would sign it with that key. */
    public static String mintToken(Path keyFile, long userId, Instant issuedAt, Instant expiresAt) {
        return mintToken(keyFile, "tiktokmall-auth", userId, issuedAt, expiresAt);
    }

    /** A token signed with the key in {@code keyFile}, naming the issuer of the test's choosing. */
    public static String mintToken(Path keyFile, String issuer, long userId, Instant issuedAt, Instant expiresAt) {
        TokenSigningKey key = TokenSigningKey.fromPem(keyFile);
        SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.ES256).keyID(key.signingJwk().getKeyID()).build(),
                new JWTClaimsSet.Builder().issuer(issuer).subject(Long.toString(userId))
                        .issueTime(Date.from(issuedAt)).expirationTime(Date.from(expiresAt))
                        .jwtID(UUID.randomUUID().toString()).build());
        try {
            jwt.sign(new ECDSASigner(key.signingJwk()));
        } catch (JOSEException e) {
            throw new IllegalStateException(e);
        }
        return jwt.serialize();
    }
}
