package com.tiktokmall.mtls.dropwizard.health;

import com.tiktokmall.mtls.source.TlsSource;
import io.dropwizard.servlets.tasks.Task;

import java.io.PrintWriter;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * {@code POST /tasks/reload-tls} on the admin port: reload the tls files now (and those of
 * {@code tls.database}), without waiting for the next check. Unchanged files are not swapped again
 * unless {@code ?force=true}.
 */
final class ReloadTlsTask extends Task {
    private static final Duration TIMEOUT = Duration.ofSeconds(5);

    private final List<TlsSource> sources;

    ReloadTlsTask(List<TlsSource> sources) {
        super("reload-tls");
        this.sources = List.copyOf(sources);
    }

    @Override
    public void execute(Map<String, List<String>> parameters, PrintWriter output) {
        boolean force = parameters.getOrDefault("force", List.of()).contains("true");
        sources.forEach(source -> output.println(source.reload(force, TIMEOUT)));
    }
}
