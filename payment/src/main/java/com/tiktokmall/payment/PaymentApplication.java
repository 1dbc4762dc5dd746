package com.tiktokmall.payment;

import com.fasterxml.jackson.databind.SerializationFeature;
import com.tiktokmall.authclient.AuthClient;
import com.tiktokmall.authclient.AuthUnavailableExceptionMapper;
import com.tiktokmall.mtls.dropwizard.MtlsBundle;
import com.tiktokmall.payment.client.OrderClient;
import com.tiktokmall.payment.client.OrderUnavailableExceptionMapper;
import com.tiktokmall.payment.core.ChargeCount;
import com.tiktokmall.payment.core.ChargeService;
import com.tiktokmall.payment.core.ChargeStatus;
import com.tiktokmall.payment.db.ChargeDao;
import com.tiktokmall.payment.resources.ChargeResource;
import com.tiktokmall.payment.resources.PaymentRoles;
import io.dropwizard.core.Application;
import io.dropwizard.core.setup.Bootstrap;
import io.dropwizard.core.setup.Environment;
import jakarta.ws.rs.client.WebTarget;
import org.jdbi.v3.core.Jdbi;

import java.time.Clock;
import java.util.concurrent.TimeUnit;

/** payment: charges orders for users that auth vouches for, and has order mark them paid, over mutual TLS only. */
public class PaymentApplication extends Application<PaymentConfiguration> {
    private static final int RETRY_BATCH = 100;

    private final MtlsBundle<PaymentConfiguration> mtls =
            MtlsBundle.withDatabase(PaymentConfiguration::getDatabase, "migrations/payment.xml");
    private final Clock clock;

    public PaymentApplication() {
        this(Clock.systemUTC());
    }

    /** @param clock what "now" is for cards' expiry and certificates' validity alike */
    public PaymentApplication(Clock clock) {
        this.clock = clock;
        mtls.clock(clock);
    }

    public static void main(String[] args) throws Exception {
        new PaymentApplication().run(args);
    }

    @Override
    public String getName() {
        return "payment";
    }

    @Override
    protected void addDefaultCommands(Bootstrap<PaymentConfiguration> bootstrap) {
        MtlsBundle.addDefaultCommands(this, bootstrap);
    }

    @Override
    public void initialize(Bootstrap<PaymentConfiguration> bootstrap) {
        bootstrap.getObjectMapper().disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS);
        bootstrap.addBundle(mtls);
    }

    @Override
    public void run(PaymentConfiguration configuration, Environment environment) throws Exception {
        mtls.authorize(environment, PaymentRoles.ALL);
        Jdbi jdbi = mtls.jdbi(environment);
        WebTarget auth = mtls.client(environment, "auth", configuration.getAuth());
        WebTarget order = mtls.client(environment, "order", configuration.getOrder());

        ChargeService charges = new ChargeService(jdbi.onDemand(ChargeDao.class), new OrderClient(order), clock);
        environment.jersey().register(new AuthUnavailableExceptionMapper());
        environment.jersey().register(new OrderUnavailableExceptionMapper());
        environment.jersey().register(new ChargeResource(charges,
                new AuthClient(auth, configuration.getAuth().getMaxTokenLength())));
        environment.metrics().register("charges.awaiting_order", new ChargeCount(charges, ChargeStatus.CHARGED));
        environment.metrics().register("charges.refused_by_order",
                new ChargeCount(charges, ChargeStatus.REFUSED_BY_ORDER));
        long every = configuration.getRetryInterval().toMilliseconds();
        environment.lifecycle().scheduledExecutorService("charges-retry").build()
                .scheduleWithFixedDelay(() -> charges.retryAwaiting(RETRY_BATCH), every, every, TimeUnit.MILLISECONDS);
    }
}
