package com.tiktokmall.mtls.dropwizard;

import io.dropwizard.servlets.tasks.Task;

import java.io.PrintWriter;
import java.util.List;
import java.util.Map;

/** {@code POST /tasks/reload-tls} on the admin port: reload the tls files now, without waiting. */
final class ReloadTlsTask extends Task {
    private final TlsReloader reloader;

    ReloadTlsTask(TlsReloader reloader) {
        super("reload-tls");
        this.reloader = reloader;
    }

    @Override
    public void execute(Map<String, List<String>> parameters, PrintWriter output) {
        output.println(reloader.reloadNow());
    }
}
