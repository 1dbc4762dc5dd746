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
     * {@code promtool check metrics} accepts {@code exposition}: exit 0 (clean) or 3 (naming advice
     * only); a parse error is exit 1. Without promtool the test is skipped, unless
     * {@code MTLS_REQUIRE_PROMTOOL} is set (.ci/run sets it and installs promtool).
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
        assertThat(verdict).doesNotContain("error while linting", "parsing error");
        assertThat(promtool.exitValue()).as(verdict).isIn(0, 3);
    }
}
