package org.kongjava.it.transparent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.kongjava.it.support.Peers;

/**
 * A network namespace the test creates (unique name) and deletes again, with loopback up. Commands run
 * inside it with {@code ip netns exec}; processes started with {@link #spawn} are stopped on {@link #close()}.
 * Needs root: {@link #requireRoot()} skips the test otherwise (CI runs as root).
 */
final class Netns implements AutoCloseable {
    /** Result of one command. */
    record Result(int exit, String stdout, String stderr) {
        @Override
        public String toString() {
            return "exit " + exit + "\n--- stdout\n" + stdout + "--- stderr\n" + stderr;
        }
    }

    final String name;
    private final List<Process> spawned = new ArrayList<>();

    private Netns(String name) {
        this.name = name;
    }

    /** Skips unless root with {@code ip} and iptables (a missing iptables fails under it.requirePeers). */
    static void requireRoot() {
        assumeTrue("root".equals(System.getProperty("user.name")),
                "network namespaces and iptables need root (CI runs the integration tests as root)");
        Peers.require("ip");
        Peers.require("iptables-restore");
    }

    /** A random suffix short enough for interface names (15 characters at most). */
    static String suffix() {
        return Integer.toHexString(ThreadLocalRandom.current().nextInt(0x100000, 0xffffff));
    }

    static Netns create(String tag) {
        Netns ns = new Netns("kj" + tag + "-" + suffix());
        ns.host("ip", "netns", "add", ns.name);
        ns.must("ip", "link", "set", "lo", "up");
        return ns;
    }

    /** Runs a command in the host namespace; fails on a non-zero exit. */
    Result host(String... cmd) {
        Result r = run(List.of(cmd), null);
        assertEquals(0, r.exit(), () -> String.join(" ", cmd) + "\n" + r);
        return r;
    }

    /** The words that run a command in this namespace. */
    List<String> prefix() {
        return List.of("ip", "netns", "exec", name);
    }

    Result exec(String... cmd) {
        List<String> c = new ArrayList<>(prefix());
        c.addAll(List.of(cmd));
        return run(c, null);
    }

    Result must(String... cmd) {
        Result r = exec(cmd);
        assertEquals(0, r.exit(), () -> String.join(" ", cmd) + " in " + name + "\n" + r);
        return r;
    }

    /** Starts a long-running process in the namespace, output to {@code log}; stopped by {@link #close()}. */
    Process spawn(Path log, String... cmd) {
        List<String> c = new ArrayList<>(prefix());
        c.addAll(List.of(cmd));
        try {
            Process p = new ProcessBuilder(c).redirectErrorStream(true).redirectOutput(log.toFile()).start();
            spawned.add(p);
            return p;
        } catch (IOException e) {
            throw new AssertionError("cannot start " + c, e);
        }
    }

    static Result run(List<String> cmd, String stdin) {
        try {
            Path out = Files.createTempFile("netns", ".out");
            Path err = Files.createTempFile("netns", ".err");
            try {
                Process p = new ProcessBuilder(cmd).redirectOutput(out.toFile()).redirectError(err.toFile()).start();
                try (var in = p.getOutputStream()) {
                    if (stdin != null) {
                        in.write(stdin.getBytes(StandardCharsets.UTF_8));
                    }
                }
                if (!p.waitFor(60, TimeUnit.SECONDS)) {
                    p.destroyForcibly();
                    throw new AssertionError(cmd + " did not finish within 60 s");
                }
                return new Result(p.exitValue(), Files.readString(out), Files.readString(err));
            } finally {
                Files.deleteIfExists(out);
                Files.deleteIfExists(err);
            }
        } catch (IOException e) {
            throw new AssertionError("cannot run " + cmd, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", e);
        }
    }

    @Override
    public void close() {
        for (Process p : spawned) {
            p.descendants().forEach(ProcessHandle::destroy);
            p.destroy();
            try {
                if (!p.waitFor(5, TimeUnit.SECONDS)) {
                    p.descendants().forEach(ProcessHandle::destroyForcibly);
                    p.destroyForcibly();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        run(List.of("ip", "netns", "del", name), null);
    }
}
