package org.kongjava.config;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Kong's own files (kong.conf.default, declarative configs) that the tests load. They live beside
 * the repository, in {@code ../shared/fixtures/kong}, and are not copied into it; Surefire passes the
 * directory as {@code kongjava.fixtures}.
 */
public final class KongFixtures {
    private KongFixtures() {
    }

    /** The fixture file; fails the test (never skips) when the directory is missing. */
    public static Path file(String name) {
        String dir = System.getProperty("kongjava.fixtures");
        if (dir == null) {
            throw new AssertionError("system property kongjava.fixtures is not set (run the tests through Maven)");
        }
        Path p = Path.of(dir).resolve(name);
        if (!Files.isRegularFile(p)) {
            throw new AssertionError("Kong fixture missing: " + p + " (expected ../shared/fixtures/kong beside the repository)");
        }
        return p;
    }
}
