package org.kongjava.dist;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Optional;

/**
 * The working directory of one running gateway, as Kong lays it out: {@code logs/}, {@code pids/},
 * {@code .kong_env}. kong-java adds {@code listeners.json} (the bound addresses, real ports included)
 * and {@code pids/quit} (asks the running process for a graceful stop).
 */
record Prefix(Path root) {

    Path logs() {
        return root.resolve("logs");
    }

    Path pidFile() {
        return root.resolve("pids").resolve("kong-java.pid");
    }

    Path quitMarker() {
        return root.resolve("pids").resolve("quit");
    }

    Path listenersFile() {
        return root.resolve("listeners.json");
    }

    Path kongEnv() {
        return root.resolve(".kong_env");
    }

    /** Resolves a kong.conf path value (e.g. {@code logs/error.log}) against the prefix. */
    Path resolve(String value) {
        Path p = Path.of(value);
        return p.isAbsolute() ? p : root.resolve(p);
    }

    void prepare() throws IOException {
        Files.createDirectories(logs());
        Files.createDirectories(pidFile().getParent());
        if (!Files.isWritable(root)) {
            throw new IOException("prefix " + root + " is not writable (use -p to choose another)");
        }
    }

    /** The pid of a gateway running in this prefix, if its pid file names a live process. */
    Optional<ProcessHandle> running() {
        try {
            if (!Files.isRegularFile(pidFile())) {
                return Optional.empty();
            }
            long pid = Long.parseLong(Files.readString(pidFile()).trim());
            return ProcessHandle.of(pid).filter(ProcessHandle::isAlive);
        } catch (IOException | NumberFormatException e) {
            return Optional.empty();
        }
    }

    /** Writes a file so readers never see half of it. */
    static void writeAtomically(Path target, String content) throws IOException {
        Path tmp = target.resolveSibling(target.getFileName() + ".tmp");
        Files.writeString(tmp, content, StandardCharsets.UTF_8);
        try {
            Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
        }
    }
}
