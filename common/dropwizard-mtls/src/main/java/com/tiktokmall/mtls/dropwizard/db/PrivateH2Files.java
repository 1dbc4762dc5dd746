package com.tiktokmall.mtls.dropwizard.db;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Set;

/**
 * Keeps an H2 file database readable by its owner only: H2 creates its directory and files with
 * the process's umask (usually 0755 and 0644), and they hold the service's data. Call
 * {@link #prepare(String)} before the database is first opened.
 */
public final class PrivateH2Files {
    private static final Logger LOG = LoggerFactory.getLogger(PrivateH2Files.class);
    private static final Set<PosixFilePermission> OWNER_DIRECTORY = PosixFilePermissions.fromString("rwx------");
    private static final Set<PosixFilePermission> OWNER_FILE = PosixFilePermissions.fromString("rw-------");
    private static final List<String> NOT_A_FILE = List.of("mem:", "tcp:", "ssl:", "zip:", "split:", "nio", "async:",
            "memFS:", "memLZF:");

    private PrivateH2Files() {
    }

    /**
     * For a {@code jdbc:h2:} file URL: creates the database's directory mode 0700 if it is missing,
     * creates the database file and the trace file empty and mode 0600 if they are missing (H2
     * fills the one in place and appends to the other), and makes the database's existing files
     * 0600. Any other URL is left alone.
     */
    public static void prepare(String jdbcUrl) {
        Path base = baseOf(jdbcUrl);
        if (base == null || !FileSystems.getDefault().supportedFileAttributeViews().contains("posix")) {
            return;
        }
        try {
            Path directory = base.toAbsolutePath().getParent();
            if (Files.notExists(directory)) {
                Files.createDirectories(directory, PosixFilePermissions.asFileAttribute(OWNER_DIRECTORY));
            } else if (!Files.getPosixFilePermissions(directory).equals(OWNER_DIRECTORY)) {
                LOG.warn("{} holds the database and others may list it: chmod 700 {}", directory, directory);
            }
            // H2 fills the database in place and appends to its trace (SQL errors), so files made
            // owner-only now stay so; made by H2, they would be readable by anyone.
            for (String suffix : List.of(".mv.db", ".trace.db")) {
                Path file = Path.of(base + suffix);
                if (Files.notExists(file)) {
                    Files.createFile(file, PosixFilePermissions.asFileAttribute(OWNER_FILE));
                }
            }
            // *.db and H2's rotated trace, *.trace.db.old
            try (DirectoryStream<Path> files = Files.newDirectoryStream(directory, base.getFileName() + ".*.db{,.old}")) {
                for (Path file : files) {
                    Files.setPosixFilePermissions(file, OWNER_FILE);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot make the database files of " + jdbcUrl + " private", e);
        }
    }

    /** The path H2 derives its file names from, or null for a database that is not a local file. */
    static Path baseOf(String jdbcUrl) {
        if (jdbcUrl == null || !jdbcUrl.startsWith("jdbc:h2:")) {
            return null;
        }
        String name = jdbcUrl.substring("jdbc:h2:".length()).split(";", 2)[0];
        if (name.startsWith("file:")) {
            name = name.substring("file:".length());
        }
        if (name.isEmpty() || NOT_A_FILE.stream().anyMatch(name::startsWith)) {
            return null;
        }
        if (name.startsWith("~")) {
            name = System.getProperty("user.home") + name.substring(1);
        }
        return Path.of(name);
    }
}
