package com.tiktokmall.auth;

import com.codahale.metrics.Meter;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.tiktokmall.auth.core.CallerRateLimiter;
import com.tiktokmall.auth.core.TokenService;
import com.tiktokmall.auth.core.TokenSigningKey;
import com.tiktokmall.auth.db.RevocationDao;
import com.tiktokmall.auth.resources.AuthRoles;
import com.tiktokmall.auth.resources.TokenResource;
import com.tiktokmall.mtls.dropwizard.MtlsBundle;
import io.dropwizard.core.Application;
import io.dropwizard.core.setup.Bootstrap;
import io.dropwizard.core.setup.Environment;
import org.jdbi.v3.core.Jdbi;

import java.time.Clock;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;

/** auth: issues, verifies and revokes user tokens, over mutual TLS only. */
public class AuthApplication extends Application<AuthConfiguration> {
    /** Revocations deleted per statement, and statements per purge: at most 100,000 rows a round. */
    static final int PURGE_BATCH = 1_000;
    static final int PURGE_BATCHES = 100;

    private final MtlsBundle<AuthConfiguration> mtls =
            MtlsBundle.withDatabase(AuthConfiguration::getDatabase, "migrations/auth.xml");
    private final Clock clock;

    public AuthApplication() {
        this(Clock.systemUTC());
    }

    /** @param clock what "now" is for tokens, rate limits and certificates' validity alike */
    public AuthApplication(Clock clock) {
        this.clock = clock;
        mtls.clock(clock);
    }

    public static void main(String[] args) throws Exception {
        new AuthApplication().run(args);
    }

    @Override
    public String getName() {
        return "auth";
    }

    @Override
    protected void addDefaultCommands(Bootstrap<AuthConfiguration> bootstrap) {
        MtlsBundle.addDefaultCommands(this, bootstrap);
    }

    @Override
    public void initialize(Bootstrap<AuthConfiguration> bootstrap) {
        bootstrap.getObjectMapper().disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS);
        bootstrap.addBundle(mtls);
    }

    @Override
    public void run(AuthConfiguration configuration, Environment environment) throws Exception {
        mtls.authorize(environment, AuthRoles.ALL);
        Jdbi jdbi = mtls.jdbi(environment);
        TokensConfiguration tokens = configuration.getTokens();
        List<TokenSigningKey> previousKeys = IntStream.range(0, tokens.getPreviousKeys().size())
                .mapToObj(i -> TokenSigningKey.previousFromPem(tokens.getPreviousKeys().get(i), i)).toList();
        TokenService tokenService = new TokenService(TokenSigningKey.fromPem(tokens.getSigningKey()), previousKeys,
                tokens.getIssuer(), tokens.getLifetime(), tokens.getMaxLength(), jdbi.onDemand(RevocationDao.class),
                clock);
        CallerRateLimiter limiter = new CallerRateLimiter(tokens.getRateLimit().getPerSecond(),
                tokens.getRateLimit().getBurst(), clock);
        environment.jersey().register(new TokenResource(tokenService, limiter,
                environment.metrics().meter("tokens.rate_limited")));

        Meter purged = environment.metrics().meter("tokens.revocations_purged");
        long every = tokens.getPurgeInterval().toMillis();
        environment.lifecycle().scheduledExecutorService("revocations-purge").build().scheduleWithFixedDelay(
                () -> purged.mark(tokenService.purgeExpiredRevocations(PURGE_BATCH, PURGE_BATCHES)),
                every, every, TimeUnit.MILLISECONDS);
    }
}
