package com.tiktokmall.mtls.dropwizard.command;

import io.dropwizard.core.Application;
import io.dropwizard.core.Configuration;
import io.dropwizard.core.cli.Cli;
import io.dropwizard.core.cli.ServerCommand;
import net.sourceforge.argparse4j.inf.Namespace;

/**
 * Dropwizard's {@code server} command, except that a bad configuration (a broken {@code tls}
 * block above all) is reported as one readable message, naming the setting and the file, instead
 * of a stack trace. {@code MtlsBundle.addDefaultCommands} adds it in place of the default.
 *
 * <p>The exit code stays non-zero and no port is opened, as with the default command.
 */
public class MtlsServerCommand<T extends Configuration> extends ServerCommand<T> {
    private final String name;

    public MtlsServerCommand(Application<T> application) {
        super(application);
        this.name = application.getName();
    }

    @Override
    public void onError(Cli cli, Namespace namespace, Throwable e) {
        StartupErrors.print(cli, name + " start-up", e);
    }
}
