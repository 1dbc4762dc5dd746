package com.tiktokmall.mtls.dropwizard;

import com.codahale.metrics.Counter;
import com.codahale.metrics.MetricRegistry;
import com.tiktokmall.mtls.TlsException;
import io.dropwizard.lifecycle.Managed;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * Watches the files of the tls block by content (through symlinks, so in-place rewrites, atomic
 * renames and Kubernetes {@code ..data} swaps all count) and swaps in new material once it passes
 * the start-up checks. Content that does not load is given one more interval, since it may be
 * caught half-written (a new key beside the old certificate); if it still fails, the last good
 * material stays in use, one ERROR names the file, {@code tls.reloads.failed} counts it and the
 * health check turns unhealthy until a good reload.
 */
final class TlsReloader implements Managed {
    private static final Logger LOG = LoggerFactory.getLogger(TlsReloader.class);

    private final TlsConfiguration tls;
    private final TlsMaterialHolder material;
    private final ScheduledExecutorService scheduler;
    private final Counter succeeded;
    private final Counter failed;
    private String loadedContent;
    private String deferredContent;
    private String failedContent;
    private volatile RuntimeException lastFailure;

    /**
     * @param loadedContent {@link #content(TlsConfiguration)} as it was just before {@code material}
     *                      was loaded, so that a change made meanwhile is not missed
     */
    TlsReloader(TlsConfiguration tls, TlsMaterialHolder material, String loadedContent,
                ScheduledExecutorService scheduler, MetricRegistry metrics) {
        this.tls = tls;
        this.material = material;
        this.loadedContent = loadedContent;
        this.scheduler = scheduler;
        this.succeeded = metrics.counter("tls.reloads.succeeded");
        this.failed = metrics.counter("tls.reloads.failed");
    }

    @Override
    public void start() {
        long interval = tls.getReloadInterval().toMilliseconds();
        scheduler.scheduleWithFixedDelay(this::check, interval, interval, TimeUnit.MILLISECONDS);
    }

    /** Why the last reload failed, while the files still do not load. */
    Optional<RuntimeException> lastFailure() {
        return Optional.ofNullable(lastFailure);
    }

    /**
     * One periodic check: reload if the content changed and loads, with one interval of grace.
     * Content that failed is tried again every interval (a certificate may become valid), but
     * reported once. Nothing escapes: an exception would end the schedule for good.
     */
    synchronized void check() {
        String content = content(tls);
        if (content.equals(loadedContent)) {
            deferredContent = null;
            failedContent = null;
            lastFailure = null;
            return;
        }
        try {
            load(content);
        } catch (TlsException e) {
            if (content.equals(failedContent)) {
                return;
            }
            if (!content.equals(deferredContent)) {
                deferredContent = content;
                LOG.info("TLS files changed but do not load yet ({}); trying again in {}, they may be half-written",
                        e.getMessage(), tls.getReloadInterval());
                return;
            }
            fail(content, e);
        } catch (RuntimeException e) {
            fail(content, e);
        }
    }

    /** The reload-tls task: load now, without grace. Returns what happened. */
    synchronized String reloadNow() {
        String content = content(tls);
        try {
            load(content);
            return "reloaded: " + material.current();
        } catch (RuntimeException e) {
            fail(content, e);
            return "reload failed, the previous material stays in use: " + e.getMessage();
        }
    }

    private void load(String content) {
        TlsMaterial next = TlsMaterial.load(tls);
        if (!content.equals(content(tls))) {
            throw new TlsException(null, "the files changed while they were read", null);
        }
        TlsMaterial previous = material.current();
        material.swap(next);
        loadedContent = content;
        deferredContent = null;
        failedContent = null;
        lastFailure = null;
        succeeded.inc();
        LOG.info("TLS material reloaded: {} (was {})", next, previous);
    }

    private void fail(String content, RuntimeException e) {
        failedContent = content;
        deferredContent = null;
        lastFailure = e;
        failed.inc();
        if (e instanceof TlsException) {
            LOG.error("TLS reload refused, the previous certificates stay in use: {}", e.getMessage());
        } else {
            LOG.error("TLS reload failed, the previous certificates may still be in use", e);
        }
    }

    /** A digest of every file's bytes, read through symlinks; a missing file counts as content too. */
    static String content(TlsConfiguration tls) {
        try {
            MessageDigest digest = MessageDigest.getInstance("SHA-256");
            for (Path file : files(tls)) {
                digest.update(file.toString().getBytes(StandardCharsets.UTF_8));
                digest.update(read(file));
            }
            return HexFormat.of().formatHex(digest.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static List<Path> files(TlsConfiguration tls) {
        return Stream.concat(Stream.of(tls.getCaCert(), tls.getServerCert(), tls.getServerKey(), tls.getClientCert(),
                tls.getClientKey()), tls.getCrl().stream()).toList();
    }

    private static byte[] read(Path file) {
        try {
            return Files.readAllBytes(file);
        } catch (IOException e) {
            return ("unreadable: " + e.getMessage()).getBytes(StandardCharsets.UTF_8);
        }
    }
}
