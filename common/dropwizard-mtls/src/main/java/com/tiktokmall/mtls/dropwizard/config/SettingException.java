package com.tiktokmall.mtls.dropwizard.config;

/**
 * A setting of a service's own configuration that cannot be used, found after the YAML was
 * parsed (a file it names does not load, say). {@link com.tiktokmall.mtls.dropwizard.command.MtlsServerCommand}
 * reports it in one line, naming the setting, as it does a {@link com.tiktokmall.mtls.TlsException}.
 */
public class SettingException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /**
     * @param setting the configuration key, e.g. {@code tokens.signing_key}
     * @param problem what is wrong with its value or file
     * @param fix     how to fix it, or {@code null}
     */
    public SettingException(String setting, String problem, String fix) {
        super(setting + ": " + problem + "." + (fix == null ? "" : " Fix: " + fix + "."));
    }
}
