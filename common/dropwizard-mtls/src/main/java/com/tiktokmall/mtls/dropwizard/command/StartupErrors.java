package com.tiktokmall.mtls.dropwizard.command;

import com.tiktokmall.mtls.TlsException;
import com.tiktokmall.mtls.dropwizard.config.SettingException;
import io.dropwizard.configuration.ConfigurationException;
import io.dropwizard.core.cli.Cli;

/** A bad configuration told in one readable message instead of a stack trace; anything else as usual. */
final class StartupErrors {
    private StartupErrors() {
    }

    static void print(Cli cli, String what, Throwable e) {
        for (Throwable cause = e; cause != null; cause = cause.getCause()) {
            if (cause instanceof TlsException || cause instanceof SettingException || cause instanceof ConfigurationException) {
                cli.getStdErr().println(what + " failed: " + cause.getMessage().strip());
                return;
            }
        }
        e.printStackTrace(cli.getStdErr());
    }
}
