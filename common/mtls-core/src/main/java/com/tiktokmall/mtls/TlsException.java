package com.tiktokmall.mtls;

import java.nio.file.Path;
import java.util.Objects;
import java.util.Optional;

/**
 * Bad TLS input: a file or setting that cannot be used for mutual TLS.
 *
 * <p>The one exception family of this library. Its message names the offending file (and, when
 * known, the configuration key that points at it), says what is wrong with it and how to fix it,
 * for example:
 *
 * <pre>
 * tls.server_key (certs/auth-key.pem): the private key does not match the certificate in
 * certs/auth-cert.pem. Fix: use the key that was generated together with that certificate.
 * </pre>
 *
 * <p>It is thrown at construction time, so a broken setting is found before any port opens.
 */
public class TlsException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final String setting;
    private final Path file;
    private final String problem;
    private final String fix;

    /**
     * A problem with the content of {@code file} ({@code null} for material that came from memory).
     *
     * @param problem what is wrong, as a sentence fragment ("the file is empty")
     * @param fix     how to fix it, or {@code null}
     */
    public static TlsException inFile(Path file, String problem, String fix) {
        return new TlsException(null, file, problem, fix, null);
    }

    /** As {@link #inFile(Path, String, String)}, keeping the low-level cause for debugging. */
    public static TlsException inFile(Path file, String problem, String fix, Throwable cause) {
        return new TlsException(null, file, problem, fix, cause);
    }

    /** A problem with the value of {@code setting} (such as {@code authorization.peers}), not with a file. */
    public static TlsException inSetting(String setting, String problem, String fix) {
        return new TlsException(Objects.requireNonNull(setting, "setting"), null, problem, fix, null);
    }

    /** A value given in code or on the command line that cannot be used, with no setting or file to name. */
    public static TlsException invalid(String problem, String fix) {
        return new TlsException(null, null, problem, fix, null);
    }

    /** As {@link #invalid(String, String)}, keeping the low-level cause for debugging. */
    public static TlsException invalid(String problem, String fix, Throwable cause) {
        return new TlsException(null, null, problem, fix, cause);
    }

    private TlsException(String setting, Path file, String problem, String fix, Throwable cause) {
        super(compose(setting, file, problem, fix), cause);
        this.setting = setting;
        this.file = file;
        this.problem = problem;
        this.fix = fix;
    }

    /** A copy of this exception that also names the configuration key, e.g. {@code tls.ca_cert}. */
    public TlsException withSetting(String setting) {
        TlsException named = new TlsException(setting, file, problem, fix, getCause());
        named.setStackTrace(getStackTrace());
        return named;
    }

    /** The file at fault, if the problem is in a file. */
    public Optional<Path> file() {
        return Optional.ofNullable(file);
    }

    /** The configuration key, if known. */
    public Optional<String> setting() {
        return Optional.ofNullable(setting);
    }

    /** What is wrong, without the file name and the fix. */
    public String problem() {
        return problem;
    }

    private static String compose(String setting, Path file, String problem, String fix) {
        StringBuilder message = new StringBuilder();
        if (setting != null) {
            message.append(setting);
        }
        if (file != null) {
            message.append(setting == null ? file.toString() : " (" + file + ")");
        }
        if (message.length() > 0) {
            message.append(": ");
        }
        message.append(problem).append('.');
        if (fix != null) {
            message.append(" Fix: ").append(fix).append(fix.endsWith(".") ? "" : ".");
        }
        return message.toString();
    }
}
