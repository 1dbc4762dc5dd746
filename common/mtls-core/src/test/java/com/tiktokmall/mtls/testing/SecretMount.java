package com.tiktokmall.mtls.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Map;

/**
 * A directory laid out the way Kubernetes mounts a Secret (and cert-manager or Vault Agent
 * deliver certificates): each file is a symlink through {@code ..data}, and an update writes a
 * new version directory and swaps {@code ..data} to it in one atomic rename.
 */
public final class SecretMount {
    private final Path dir;
    private int version;

    private SecretMount(Path dir) {
        this.dir = dir;
    }

    public static SecretMount in(Path dir) {
        try {
            return new SecretMount(Files.createDirectories(dir));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The path a service is configured with: {@code dir/name}, a symlink to {@code ..data/name}. */
    public Path file(String name) {
        return dir.resolve(name);
    }

    /** Publishes a new version holding copies of {@code files} (name to source), swapping it in atomically. */
    public SecretMount publish(Map<String, Path> files) {
        try {
            Path next = Files.createDirectories(dir.resolve("..version_" + ++version));
            for (Map.Entry<String, Path> file : files.entrySet()) {
                Files.copy(file.getValue(), next.resolve(file.getKey()), StandardCopyOption.REPLACE_EXISTING);
            }
            Path swap = Files.createSymbolicLink(dir.resolve("..data_tmp"), next.getFileName());
            Files.move(swap, dir.resolve("..data"), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            for (String name : files.keySet()) {
                if (!Files.isSymbolicLink(file(name))) {
                    Files.createSymbolicLink(file(name), Path.of("..data", name));
                }
            }
            return this;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
