package com.tiktokmall.mtls.source;

import com.tiktokmall.mtls.Pem;
import com.tiktokmall.mtls.TlsException;
import com.tiktokmall.mtls.TlsOptions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;
import java.util.Objects;
import java.util.stream.Stream;

/**
 * TLS material from the PEM files of a {@link TlsFiles}, checked for new content every
 * {@link TlsOptions#checkEvery()} once {@link #start() started}.
 *
 * <pre>{@code
 * FileSource source = FileSource.watching(files).options(options).build(); // loads and checks every file
 * source.start();
 * }</pre>
 *
 * <p>A check compares a digest of the files' bytes (read through symlinks, so in-place writes,
 * atomic renames and Kubernetes {@code ..data} swaps all count) and swaps in new material once it
 * passes the same checks. Content that does not load gets one interval of grace, since it may be
 * caught half-written (a new key beside the old certificate); if it still fails, the last good
 * material stays in use, one ERROR names the file and {@link #lastFailure()} says why until a good
 * reload. A FIFO or a huge file is refused without being read.
 */
public final class FileSource extends ReloadingSource {
    private static final Logger LOG = LoggerFactory.getLogger(FileSource.class);

    private final TlsFiles files;
    private String loadedDigest;
    private String deferredDigest;
    private Instant deferredSince;
    private String failedDigest;

    private FileSource(TlsFiles files, TlsOptions options, String digest, TlsMaterial initial) {
        super(initial, options);
        this.files = files;
        this.loadedDigest = digest;
    }

    /** A source of the material in {@code files}; {@link Builder#build()} loads it. */
    public static Builder watching(TlsFiles files) {
        return new Builder(files);
    }

    /** The files this source reads. */
    public TlsFiles files() {
        return files;
    }

    @Override
    String origin() {
        return "the TLS files";
    }

    /**
     * Reloads if the content changed and loads, with one interval of grace. Content that failed is
     * tried again every interval (a certificate may become valid), but reported once.
     */
    @Override
    void checkLocked() {
        String digest = digest(files, options());
        if (digest.equals(loadedDigest)) {
            clearFailure();
            return;
        }
        try {
            load(digest);
        } catch (TlsException e) {
            if (digest.equals(failedDigest)) {
                return;
            }
            Instant now = options().clock().instant();
            if (!digest.equals(deferredDigest)) {
                deferredDigest = digest;
                deferredSince = now;
                LOG.info("TLS files changed but do not load yet ({}); trying again in {} s, they may be half-written",
                        e.getMessage(), options().checkEvery().toSeconds());
                return;
            }
            if (now.isBefore(deferredSince.plus(options().checkEvery()))) {
                return;
            }
            fail(digest, e);
        }
    }

    @Override
    String reloadLocked(boolean force) {
        String digest = null;
        try {
            digest = digest(files, options());
            if (!force && digest.equals(loadedDigest)) {
                clearFailure();
                return "unchanged: the files are the ones in use (" + current() + "); add force=true to reload anyway";
            }
            load(digest);
            return "reloaded: " + current();
        } catch (Throwable e) {
            fail(digest, e);
            return "reload failed, the previous material stays in use: " + e.getMessage();
        }
    }

    @Override
    void clearFailure() {
        deferredDigest = null;
        deferredSince = null;
        failedDigest = null;
        super.clearFailure();
    }

    @Override
    void failed(Throwable e) {
        fail(null, e);
    }

    private void fail(String digest, Throwable e) {
        failedDigest = digest;
        deferredDigest = null;
        deferredSince = null;
        super.failed(e);
    }

    private void load(String digest) {
        TlsMaterial next = TlsMaterial.load(files, options());
        if (!digest.equals(digest(files, options()))) {
            throw TlsException.invalid("the files changed while they were read", null);
        }
        loadedDigest = digest;
        swap(next);
    }

    /**
     * A digest of every file's bytes, read through symlinks; a missing, odd or oversized file
     * counts as content too, without being read (a FIFO would block, a huge file would exhaust memory).
     */
    private static String digest(TlsFiles files, TlsOptions options) {
        try {
            MessageDigest digest = MessageDigest.getInstance("SHA-256");
            List<Path> all = Stream.concat(files.all().stream(), options.crl().stream()).toList();
            for (Path file : all) {
                digest.update(file.toString().getBytes(StandardCharsets.UTF_8));
                digest.update(contentOf(file));
            }
            return HexFormat.of().formatHex(digest.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static byte[] contentOf(Path file) {
        if (!Files.isRegularFile(file)) {
            return ("not a regular file: " + Files.exists(file)).getBytes(StandardCharsets.UTF_8);
        }
        try (InputStream in = Files.newInputStream(file)) {
            byte[] bytes = in.readNBytes(Pem.MAX_FILE_BYTES + 1);
            return bytes.length > Pem.MAX_FILE_BYTES
                    ? ("too large: " + Files.size(file) + " " + Files.getLastModifiedTime(file)).getBytes(StandardCharsets.UTF_8)
                    : bytes;
        } catch (IOException e) {
            return ("unreadable: " + e.getMessage()).getBytes(StandardCharsets.UTF_8);
        }
    }

    /** Options of a {@link FileSource}; each method names its default. */
    public static final class Builder {
        private final TlsFiles files;
        private TlsOptions options = TlsOptions.defaults();

        private Builder(TlsFiles files) {
            this.files = Objects.requireNonNull(files, "files");
        }

        /** Protocols, provider, CRL, session timeout, check interval and clock; default {@link TlsOptions#defaults()}. */
        public Builder options(TlsOptions options) {
            this.options = Objects.requireNonNull(options, "options");
            return this;
        }

        /**
         * Loads and checks every file.
         *
         * @throws TlsException the first problem, naming the setting and the file
         */
        public FileSource build() {
            String digest = digest(files, options); // taken before loading, so that a change made meanwhile is not missed
            return new FileSource(files, options, digest, TlsMaterial.load(files, options));
        }
    }
}
