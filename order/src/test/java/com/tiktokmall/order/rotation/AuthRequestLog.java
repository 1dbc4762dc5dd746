package com.tiktokmall.order.rotation;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/** auth's request log in a file, read to see which client certificate order's calls presented. */
final class AuthRequestLog {
    private final Path file;

    private AuthRequestLog(Path file) {
        this.file = file;
    }

    static AuthRequestLog at(Path file) {
        return new AuthRequestLog(file);
    }

    /** Makes auth write its request log to this file. */
    void configure(Map<String, String> authSettings) {
        authSettings.put("server.requestLog.appenders[0].type", "file");
        authSettings.put("server.requestLog.appenders[0].currentLogFilename", file.toString());
        authSettings.put("server.requestLog.appenders[0].archive", "false");
    }

    /** Whether order verified a token with the certificate of this serial (hexadecimal). */
    boolean showsVerifyBy(String serial) {
        if (!Files.exists(file)) {
            return false;
        }
        try {
            return Files.readAllLines(file).stream().anyMatch(line ->
                    line.contains("spiffe://tiktokmall.local/order " + serial + " ") && line.contains("/v1/tokens/verify"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
