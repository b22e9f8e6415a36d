package org.kongjava.dist;

import java.io.File;
import java.io.IOException;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code start --daemon}: relaunches the same command in a new session with the same JVM flags,
 * and returns once the child listens (its {@code listeners.json} appears) or has failed.
 */
final class Daemon {
    private static final long START_TIMEOUT_MS = 60_000;

    private Daemon() {
    }

    static int launch(String[] argv, Prefix prefix, PrintStream out) throws IOException, InterruptedException {
        Files.deleteIfExists(prefix.listenersFile());
        List<String> cmd = new ArrayList<>();
        if (new File("/usr/bin/setsid").canExecute()) {
            cmd.add("/usr/bin/setsid"); // detach from the terminal's session and its signals
        }
        cmd.add(ProcessHandle.current().info().command().orElse("java"));
        cmd.addAll(ManagementFactory.getRuntimeMXBean().getInputArguments());
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add(KongJavaMain.class.getName());
        for (String a : argv) {
            if (!"--daemon".equals(a)) {
                cmd.add(a);
            }
        }
        Path output = prefix.logs().resolve("kong-java.out");
        Process child = new ProcessBuilder(cmd)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(output.toFile()))
                .redirectError(ProcessBuilder.Redirect.appendTo(output.toFile()))
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                .start();
        long deadline = System.currentTimeMillis() + START_TIMEOUT_MS;
        while (System.currentTimeMillis() < deadline) {
            if (Files.isRegularFile(prefix.listenersFile())) {
                out.println("kong-java started (pid " + child.pid() + ")");
                return 0;
            }
            if (!child.isAlive()) {
                throw new IllegalStateException("kong-java failed to start (exit " + child.exitValue()
                        + "); see " + output);
            }
            Thread.sleep(25);
        }
        child.destroy();
        throw new IllegalStateException("kong-java did not start listening within " + START_TIMEOUT_MS / 1000
                + " s; see " + output);
    }
}
