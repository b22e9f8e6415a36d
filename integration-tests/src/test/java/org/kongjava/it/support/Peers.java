package org.kongjava.it.support;

import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Finds the real peer programs (nginx, curl, ...) the integration tests run.
 *
 * <p>A missing peer skips the test locally and fails it when {@code -Dit.requirePeers=true} (CI), so a CI
 * machine without nginx cannot pass by skipping everything.
 */
public final class Peers {

    private Peers() {}

    /** True when missing peers must fail the test instead of skipping it. */
    public static boolean required() {
        return Boolean.parseBoolean(System.getProperty("it.requirePeers", "false"));
    }

    /** The program on PATH or in the usual sbin directories, if present. */
    public static Optional<Path> find(String program) {
        List<String> dirs = new ArrayList<>();
        String path = System.getenv("PATH");
        if (path != null) {
            dirs.addAll(List.of(path.split(File.pathSeparator)));
        }
        dirs.addAll(List.of("/usr/sbin", "/usr/local/sbin", "/sbin", "/usr/bin", "/usr/local/bin"));
        for (String dir : dirs) {
            if (dir.isEmpty()) {
                continue;
            }
            Path candidate = Path.of(dir, program);
            if (Files.isRegularFile(candidate) && Files.isExecutable(candidate)) {
                return Optional.of(candidate);
            }
        }
        return Optional.empty();
    }

    /** The program's path; skips the test (or fails it under it.requirePeers) when it is missing. */
    public static Path require(String program) {
        Optional<Path> found = find(program);
        if (found.isEmpty()) {
            missing(program + " not found on PATH or in /usr/sbin, /usr/local/sbin, /sbin");
        }
        return found.get();
    }

    /** Skips (locally) or fails (it.requirePeers=true) with the reason. */
    public static void missing(String reason) {
        if (required()) {
            fail("required test peer missing: " + reason + " (it.requirePeers=true; install it with scripts/install-test-peers.sh)");
        }
        assumeTrue(false, "test peer missing, skipped: " + reason);
    }

    /** A file shipped outside the repository (e.g. a fixture), or a skip/fail when it is absent. */
    public static Path requireFile(Path file, String what) {
        if (!Files.isRegularFile(file)) {
            missing(what + " not found at " + file);
        }
        return file;
    }
}
