package com.tiktokmall.mtls.testing;

import io.dropwizard.core.Application;
import io.dropwizard.core.Configuration;
import io.dropwizard.core.cli.Cli;
import io.dropwizard.core.setup.Bootstrap;
import io.dropwizard.testing.ConfigOverride;
import io.dropwizard.util.JarLocation;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.lang.reflect.Method;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Optional;

/**
 * Runs one of an application's commands in this JVM, as {@code java -jar app.jar ARGS} would,
 * capturing what it prints; a failure is the error the real launcher turns into exit code 1.
 */
public final class CommandRunner {
    private CommandRunner() {
    }

    /** What a command printed, and the error that would make the process exit non-zero. */
    public record Result(String stdout, String stderr, Optional<Throwable> error) {
        public boolean succeeded() {
            return error.isEmpty();
        }
    }

    /** Runs {@code args} against a fresh {@code application} with {@code dw.} overrides of the YAML. */
    public static synchronized <C extends Configuration> Result run(Application<C> application,
                                                                    Map<String, String> overrides, String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        PrintStream originalOut = System.out;
        ConfigOverride[] properties = TestPki.overrides(overrides);
        try (PrintStream stdout = new PrintStream(out, true, StandardCharsets.UTF_8);
             PrintStream stderr = new PrintStream(err, true, StandardCharsets.UTF_8)) {
            System.setOut(stdout);
            for (ConfigOverride property : properties) {
                property.addToSystemProperties();
            }
            Bootstrap<C> bootstrap = new Bootstrap<>(application);
            addDefaultCommands(application, bootstrap); // as Application.run does, before initialize
            application.initialize(bootstrap);
            Optional<Throwable> error = new Cli(new JarLocation(application.getClass()), bootstrap, stdout, stderr)
                    .run(args);
            return new Result(out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8), error);
        } finally {
            for (ConfigOverride property : properties) {
                property.removeFromSystemProperties();
            }
            System.setOut(originalOut);
        }
    }

    /** {@code Application.addDefaultCommands} is protected: the launcher's own call, made the same way. */
    private static <C extends Configuration> void addDefaultCommands(Application<C> application, Bootstrap<C> bootstrap) {
        try {
            Method method = Application.class.getDeclaredMethod("addDefaultCommands", Bootstrap.class);
            method.setAccessible(true);
            method.invoke(application, bootstrap);
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("cannot add " + application.getName() + "'s default commands", e);
        }
    }
}
