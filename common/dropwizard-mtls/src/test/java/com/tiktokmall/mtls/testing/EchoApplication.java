package com.tiktokmall.mtls.testing;

import com.tiktokmall.mtls.dropwizard.MtlsBundle;
import com.tiktokmall.mtls.dropwizard.config.MtlsConfiguration;
import com.tiktokmall.mtls.dropwizard.authorization.PeerPrincipal;
import io.dropwizard.auth.Auth;
import io.dropwizard.core.Application;
import io.dropwizard.core.setup.Bootstrap;
import io.dropwizard.core.setup.Environment;
import jakarta.annotation.security.RolesAllowed;
import jakarta.servlet.http.HttpServletRequest;
import com.fasterxml.jackson.annotation.JsonProperty;
import jakarta.validation.Valid;
import jakarta.validation.constraints.NotNull;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;

import java.security.cert.X509Certificate;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/** The smallest service using {@link MtlsBundle}: it tells callers who they are. */
public class EchoApplication extends Application<EchoApplication.EchoConfiguration> {
    public final MtlsBundle<EchoConfiguration> mtls;

    public EchoApplication() {
        this(Clock.systemUTC());
    }

    /** An echo service whose every time decision follows {@code clock}: see {@link EchoService#clocked}. */
    public EchoApplication(Clock clock) {
        this.mtls = MtlsBundle.<EchoConfiguration>create().clock(clock);
    }

    @Override
    public String getName() {
        return "echo";
    }

    @Override
    protected void addDefaultCommands(Bootstrap<EchoConfiguration> bootstrap) {
        MtlsBundle.addDefaultCommands(this, bootstrap);
    }

    @Override
    public void initialize(Bootstrap<EchoConfiguration> bootstrap) {
        bootstrap.addBundle(mtls);
    }

    @Override
    public void run(EchoConfiguration configuration, Environment environment) {
        mtls.authorize(environment, Set.of(WhoAmIResource.ROLE));
        environment.jersey().register(new WhoAmIResource());
    }

    public static class EchoConfiguration extends MtlsConfiguration {
    }

    /** What {@code POST /whoami/echo} reads: a little of every JSON type. */
    public record Parcel(@JsonProperty("count") Integer count, @JsonProperty("user_id") Long userId,
                         @JsonProperty("name") String name, @JsonProperty("items") List<Item> items) {
    }

    public record Item(@JsonProperty("quantity") Integer quantity) {
    }

    /** Holds {@code GET /whoami/held} in flight: one request at a time, let go by the test. */
    public static final Gate HELD = new Gate();

    /** A request's arrival and release, each a latch the test controls. */
    public static final class Gate {
        private volatile CountDownLatch arrived = new CountDownLatch(1);
        private volatile CountDownLatch released = new CountDownLatch(1);

        /** Makes the gate ready for the next request. */
        public Gate arm() {
            arrived = new CountDownLatch(1);
            released = new CountDownLatch(1);
            return this;
        }

        /** Waits until a request is in the resource, in the server's hands. */
        public void awaitArrival() throws InterruptedException {
            if (!arrived.await(10, TimeUnit.SECONDS)) {
                throw new AssertionError("no request reached /whoami/held within 10 s");
            }
        }

        public void release() {
            released.countDown();
        }

        void hold() throws InterruptedException {
            arrived.countDown();
            if (!released.await(30, TimeUnit.SECONDS)) {
                throw new IllegalStateException("the test never released the held request");
            }
        }
    }

    @Path("/whoami")
    @Produces(MediaType.APPLICATION_JSON)
    public static class WhoAmIResource {
        static final String ROLE = "echo";

        @GET
        @RolesAllowed(ROLE)
        public Map<String, Object> whoAmI(@Auth PeerPrincipal caller, @Context HttpServletRequest request) {
            X509Certificate[] chain = (X509Certificate[]) request.getAttribute("jakarta.servlet.request.X509Certificate");
            String peer = chain == null ? "" : chain[0].getSubjectX500Principal().getName();
            return Map.of("peer", peer, "identity", caller.getName(), "remote_port", request.getRemotePort(),
                    "secure", request.isSecure(), "serial", chain == null ? "" : chain[0].getSerialNumber().toString(16));
        }

        /** A JSON body read and returned: for the limits on what a caller may send. */
        @POST
        @Path("/echo")
        @Consumes(MediaType.APPLICATION_JSON)
        @RolesAllowed(ROLE)
        public Parcel echo(@NotNull @Valid Parcel parcel) {
            return parcel;
        }

        /** As {@link #held()}, for a request with a body this resource never reads. */
        @POST
        @Path("/held")
        @RolesAllowed(ROLE)
        public Map<String, Object> heldWithABodyNotRead() throws InterruptedException {
            return held();
        }

        /** A request that stays in flight until the test releases {@link #HELD}. */
        @GET
        @Path("/held")
        @RolesAllowed(ROLE)
        public Map<String, Object> held() throws InterruptedException {
            HELD.hold();
            return Map.of("held", true);
        }
    }
}
