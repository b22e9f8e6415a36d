package org.kongjava.it.support;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The {@code kong-java} command as a user runs it: {@code <repo>/gateway-dist/src/main/dist/bin/kong-java}.
 *
 * <p>The repository root comes from the {@code kongjava.home} system property (set by the pom). The JVM that runs
 * the tests is passed as {@code JAVA_HOME}. Inherited {@code KONG_*} variables are removed so a developer's shell
 * cannot change what a test sees.
 */
public final class KongJava {

    private KongJava() {}

    /** Result of one finished command. */
    public record Result(int exit, String stdout, String stderr, long elapsedMillis) {
        /** stdout and stderr together, for assertions on "some output names X". */
        public String output() {
            return stdout + stderr;
        }

        @Override
        public String toString() {
            return "exit " + exit + " after " + elapsedMillis + " ms\n--- stdout\n" + stdout + "--- stderr\n" + stderr;
        }
    }

    /** The repository root. */
    public static Path home() {
        String home = System.getProperty("kongjava.home");
        if (home == null) {
            fail("system property kongjava.home is not set (the integration-tests pom sets it to the repository root)");
        }
        return Path.of(home).toAbsolutePath().normalize();
    }

    /** The bin script; fails with the build command when the gateway was not packaged. */
    public static Path bin() {
        Path bin = home().resolve("gateway-dist/src/main/dist/bin/kong-java");
        Path jar = home().resolve("gateway-dist/target/kong-java.jar");
        if (!Files.isRegularFile(bin)) {
            fail("gateway-dist has no bin script at " + bin);
        }
        if (!Files.isRegularFile(jar)) {
            fail("the gateway is not packaged (" + jar + " missing): run "
                    + "`mvn -B -q -DskipTests -pl gateway-dist -am package` or `mvn verify`");
        }
        return bin;
    }

    /** Environment for a child gateway process: ours minus KONG_* / JAVA_OPTS, plus JAVA_HOME and {@code extra}. */
    public static Map<String, String> environment(Map<String, String> extra) {
        Map<String, String> env = new HashMap<>(System.getenv());
        env.keySet().removeIf(k -> k.startsWith("KONG_") || k.equals("JAVA_OPTS") || k.equals("JAVA_TOOL_OPTIONS"));
        env.put("JAVA_HOME", System.getProperty("java.home"));
        env.putAll(extra);
        return env;
    }

    /** A process builder for {@code kong-java args...} with the environment above. */
    public static ProcessBuilder processBuilder(Map<String, String> env, List<String> args) {
        return processBuilder(env, List.of(), args);
    }

    /**
     * {@link #processBuilder(Map, List)} run through {@code commandPrefix}, e.g. {@code ip netns exec NS} to
     * start the gateway inside a network namespace, or {@code setpriv ...} to change its privileges.
     */
    public static ProcessBuilder processBuilder(Map<String, String> env, List<String> commandPrefix, List<String> args) {
        List<String> command = new ArrayList<>(commandPrefix);
        command.add(bin().toString());
        command.addAll(args);
        ProcessBuilder pb = new ProcessBuilder(command);
        pb.environment().clear();
        pb.environment().putAll(environment(env));
        pb.directory(home().toFile());
        return pb;
    }

    /** Runs a command that is expected to finish (check, version, stop, quit, health, start --daemon). */
    public static Result run(Duration timeout, Map<String, String> env, String... args) {
        try {
            Path out = Files.createTempFile("kong-java-out", ".txt");
            Path err = Files.createTempFile("kong-java-err", ".txt");
            try {
                ProcessBuilder pb = processBuilder(env, List.of(args));
                pb.redirectOutput(out.toFile()).redirectError(err.toFile());
                pb.redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()));
                long t0 = System.nanoTime();
                Process p = pb.start();
                if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                    p.descendants().forEach(ProcessHandle::destroyForcibly);
                    p.destroyForcibly();
                    fail("`kong-java " + String.join(" ", args) + "` did not finish within " + timeout
                            + "\n--- stdout\n" + Files.readString(out) + "--- stderr\n" + Files.readString(err));
                }
                long ms = (System.nanoTime() - t0) / 1_000_000;
                return new Result(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8),
                        Files.readString(err, StandardCharsets.UTF_8), ms);
            } finally {
                Files.deleteIfExists(out);
                Files.deleteIfExists(err);
            }
        } catch (IOException e) {
            throw new AssertionError("cannot run kong-java " + String.join(" ", args), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", e);
        }
    }

    /** {@link #run(Duration, Map, String...)} with a 60 s limit and no extra environment. */
    public static Result run(String... args) {
        return run(Duration.ofSeconds(60), Map.of(), args);
    }
}
