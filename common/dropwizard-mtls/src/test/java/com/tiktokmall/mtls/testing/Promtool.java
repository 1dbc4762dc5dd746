package com.tiktokmall.mtls.testing;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** Prometheus's own check of a text exposition, as a scrape would see it. */
public final class Promtool {
    private Promtool() {
    }

    /**
     * {@code promtool check metrics} finds nothing to say about {@code exposition}: it parses, and
     * no name breaks Prometheus's conventions (exit 0; naming advice alone is exit 3, a parse error
     * exit 1). Without promtool the test is skipped, unless {@code MTLS_REQUIRE_PROMTOOL} is set
     * (.ci/run sets it and installs promtool).
     */
    public static void assertAccepts(String exposition) throws IOException, InterruptedException {
        boolean required = System.getenv("MTLS_REQUIRE_PROMTOOL") != null;
        boolean present = Files.isExecutable(Path.of("/usr/bin/promtool"));
        assumeTrue(present || required, "promtool (Debian package prometheus) is not installed; .ci/run installs it");
        Process promtool = new ProcessBuilder("promtool", "check", "metrics").redirectErrorStream(true).start();
        promtool.getOutputStream().write(exposition.getBytes(StandardCharsets.UTF_8));
        promtool.getOutputStream().close();
        String verdict = new String(promtool.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(promtool.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(verdict).as("promtool check metrics").isBlank();
        assertThat(promtool.exitValue()).as(verdict).isZero();
    }
}
