package com.tiktokmall.mtls.testing;

import io.dropwizard.core.Application;
import io.dropwizard.testing.DropwizardTestSupport;
import io.dropwizard.testing.ResourceHelpers;

import java.time.Clock;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * An {@link EchoApplication} started inside one test and stopped at its end: for claims about
 * start-up settings, so that what start-up does belongs to that test alone (mutation testing
 * credits code run before the first test of a class to that test only). Each instance reads its
 * settings under a prefix of its own, so that services started one after another never see each
 * other's system properties.
 *
 * <pre>{@code
 * try (EchoService echo = EchoService.start("echo.yml", PKI.tlsSettings("echo"))) {
 *     ... echo.port() ...
 * }
 * }</pre>
 */
public final class EchoService implements AutoCloseable {
    private static final AtomicInteger STARTED = new AtomicInteger();

    private final DropwizardTestSupport<EchoApplication.EchoConfiguration> support;

    private EchoService(DropwizardTestSupport<EchoApplication.EchoConfiguration> support) {
        this.support = support;
    }

    /** Starts the echo service with the YAML resource {@code config} and {@code settings} over it. */
    public static EchoService start(String config, Map<String, String> settings) throws Exception {
        return clocked(Clock.systemUTC(), config, settings);
    }

    /** As {@link #start}, with every time decision of the service made by {@code clock} (a {@link MutableClock}). */
    public static EchoService clocked(Clock clock, String config, Map<String, String> settings) throws Exception {
        String prefix = "echo-" + STARTED.incrementAndGet() + ".";
        DropwizardTestSupport<EchoApplication.EchoConfiguration> support = new DropwizardTestSupport<>(
                EchoApplication.class, ResourceHelpers.resourceFilePath(config), prefix,
                TestPki.overrides(prefix, settings)) {
            @Override
            public Application<EchoApplication.EchoConfiguration> newApplication() {
                return new EchoApplication(clock);
            }
        };
        support.before();
        return new EchoService(support);
    }

    /** The application port. */
    public int port() {
        return support.getLocalPort();
    }

    public EchoApplication application() {
        return support.getApplication();
    }

    public EchoApplication.EchoConfiguration configuration() {
        return support.getConfiguration();
    }

    public io.dropwizard.core.setup.Environment environment() {
        return support.getEnvironment();
    }

    @Override
    public void close() {
        support.after();
    }
}
