package org.kongjava.it.support;

import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Stream;

/**
 * One real gateway process started with {@code kong-java start -c <conf> -p <prefix>}, as an operator would.
 *
 * <p>The kong.conf is written into a fresh temp directory with every listener on {@code 127.0.0.1:0}; the bound
 * ports are read from {@code <prefix>/listeners.json}, which the gateway writes once all listeners are bound.
 * {@link #close()} stops only the processes this instance started (the child and its descendants, or the pid in
 * the prefix's pid file when its command line names this prefix) and fails when the gateway logged a Netty leak.
 */
public final class Gateway implements AutoCloseable {

    private static final ObjectMapper JSON = new ObjectMapper();
    /** Default heap for test gateways: small, so a gateway that buffers whole bodies fails loudly. */
    public static final String DEFAULT_JAVA_OPTS = "-Xms64m -Xmx256m";

    /** One bound listener from listeners.json. */
    public record Listener(String key, String host, int port, boolean ssl) {}

    private final Path base;
    private final Path conf;
    private final Path prefix;
    private final Path console;
    private final Process process;
    private final List<Listener> listeners;
    private final long startMillis;
    private boolean closed;

    private Gateway(Path base, Path conf, Path prefix, Path console, Process process, List<Listener> listeners,
            long startMillis) {
        this.base = base;
        this.conf = conf;
        this.prefix = prefix;
        this.console = console;
        this.process = process;
        this.listeners = listeners;
        this.startMillis = startMillis;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** A gateway with the default test configuration. */
    public static Gateway start() {
        return builder().start();
    }

    /** Configuration of a gateway to start. */
    public static final class Builder {
        private final Map<String, String> conf = new LinkedHashMap<>();
        private final Map<String, String> env = new LinkedHashMap<>();
        private String javaOpts = DEFAULT_JAVA_OPTS;
        private String leakDetection = "paranoid";
        private Duration startTimeout = Duration.ofSeconds(60);
        private List<String> commandPrefix = List.of();

        private Builder() {
            conf.put("proxy_listen", "127.0.0.1:0");
            conf.put("admin_listen", "127.0.0.1:0");
            // Kong 3.x enables the Status API on 8007 by default: a fixed port has no place in tests.
            conf.put("status_listen", "off");
        }

        /** Sets (or with a null value removes) a kong.conf key. */
        public Builder conf(String key, String value) {
            if (value == null) {
                conf.remove(key);
            } else {
                conf.put(key, value);
            }
            return this;
        }

        /** An environment variable for the gateway process (e.g. a KONG_* override). */
        public Builder env(String name, String value) {
            env.put(name, value);
            return this;
        }

        /** JVM options passed through JAVA_OPTS, which the bin script honours (default {@value DEFAULT_JAVA_OPTS}). */
        public Builder javaOpts(String opts) {
            this.javaOpts = opts;
            return this;
        }

        /** Netty leak detection level in the gateway (default paranoid; a reported leak fails {@link #close()}). */
        public Builder leakDetection(String level) {
            this.leakDetection = level;
            return this;
        }

        /**
         * Runs {@code kong-java start} through these words, e.g. {@code ip netns exec NS} for a gateway inside a
         * network namespace (its listeners are then reachable only from there).
         */
        public Builder commandPrefix(String... words) {
            this.commandPrefix = List.of(words);
            return this;
        }

        public Builder startTimeout(Duration timeout) {
            this.startTimeout = timeout;
            return this;
        }

        /** Writes the kong.conf into a new temp directory without starting anything. */
        public Prepared prepare() {
            try {
                Path base = Files.createTempDirectory("kong-java-it-");
                Path prefix = Files.createDirectories(base.resolve("prefix"));
                Path confFile = base.resolve("kong.conf");
                StringBuilder text = new StringBuilder("# written by the integration tests\n");
                conf.forEach((k, v) -> text.append(k).append(" = ").append(v).append('\n'));
                Files.writeString(confFile, text);
                Map<String, String> fullEnv = new LinkedHashMap<>(env);
                String opts = (javaOpts == null ? "" : javaOpts) + " -Dio.netty.leakDetection.level=" + leakDetection;
                fullEnv.put("JAVA_OPTS", opts.strip());
                return new Prepared(base, confFile, prefix, fullEnv);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        /** Starts {@code kong-java start} in the foreground and waits for listeners.json. */
        public Gateway start() {
            Prepared p = prepare();
            return launch(p, startTimeout, commandPrefix);
        }
    }

    /** A written kong.conf and an empty prefix, for tests that drive the CLI themselves. */
    public record Prepared(Path base, Path conf, Path prefix, Map<String, String> env) {
        /** Runs {@code kong-java args...} with this environment. */
        public KongJava.Result run(Duration timeout, String... args) {
            return KongJava.run(timeout, env, args);
        }

        /** The listeners once listeners.json exists, else empty. */
        public Optional<List<Listener>> listeners() {
            return readListeners(prefix);
        }

        /** Stops a gateway that was started (e.g. with --daemon) on this prefix, by its pid file. */
        public void kill() {
            killByPidFile(prefix, Set.of());
            deleteTree(base);
        }
    }

    private static Gateway launch(Prepared p, Duration timeout, List<String> commandPrefix) {
        Path console = p.base().resolve("console.log");
        ProcessBuilder pb = KongJava.processBuilder(p.env(), commandPrefix,
                List.of("start", "-c", p.conf().toString(), "-p", p.prefix().toString()));
        pb.redirectErrorStream(true).redirectOutput(console.toFile());
        pb.redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()));
        long t0 = System.nanoTime();
        Process process;
        try {
            process = pb.start();
        } catch (IOException e) {
            throw new AssertionError("cannot start " + pb.command(), e);
        }
        long deadline = System.nanoTime() + timeout.toNanos();
        Optional<List<Listener>> bound = Optional.empty();
        long pause = 2;
        while (bound.isEmpty()) {
            bound = readListeners(p.prefix());
            if (bound.isPresent()) {
                break;
            }
            if (!process.isAlive()) {
                String out = tail(console, 200);
                throw new AssertionError("kong-java start exited with " + process.exitValue()
                        + " before writing listeners.json\n" + out);
            }
            if (System.nanoTime() > deadline) {
                killTree(process, p.prefix());
                throw new AssertionError("no " + p.prefix().resolve("listeners.json") + " within " + timeout + "\n"
                        + tail(console, 200));
            }
            sleepMillis(pause);
            pause = Math.min(pause * 2, 25);
        }
        long ms = (System.nanoTime() - t0) / 1_000_000;
        return new Gateway(p.base(), p.conf(), p.prefix(), console, process, bound.get(), ms);
    }

    static Optional<List<Listener>> readListeners(Path prefix) {
        Path file = prefix.resolve("listeners.json");
        if (!Files.isRegularFile(file)) {
            return Optional.empty();
        }
        try {
            JsonNode root = JSON.readTree(file.toFile());
            List<Listener> out = new ArrayList<>();
            for (JsonNode n : root) {
                out.add(new Listener(n.path("key").asText(), n.path("host").asText(), n.path("port").asInt(),
                        n.path("ssl").asBoolean()));
            }
            return Optional.of(List.copyOf(out));
        } catch (IOException e) {
            // Written atomically per contract; a parse failure means "not yet" only if the writer is mid-rename.
            return Optional.empty();
        }
    }

    /** All bound listeners, in the order of listeners.json. */
    public List<Listener> listeners() {
        return listeners;
    }

    /** Port of the first plain-text listener of {@code key}. */
    public int port(String key) {
        return listeners.stream().filter(l -> l.key().equals(key) && !l.ssl()).findFirst()
                .orElseThrow(() -> new AssertionError("no plain " + key + " in listeners.json: " + listeners))
                .port();
    }

    public int proxyPort() {
        return port("proxy_listen");
    }

    /** Port of the first TLS ({@code ssl}) listener of {@code key}. */
    public int tlsPort(String key) {
        return listeners.stream().filter(l -> l.key().equals(key) && l.ssl()).findFirst()
                .orElseThrow(() -> new AssertionError("no ssl " + key + " in listeners.json: " + listeners))
                .port();
    }

    public int proxyTlsPort() {
        return tlsPort("proxy_listen");
    }

    public int adminTlsPort() {
        return tlsPort("admin_listen");
    }

    public int adminPort() {
        return port("admin_listen");
    }

    /** {@code http://127.0.0.1:<proxy port><path>}. */
    public String proxyUrl(String path) {
        return "http://127.0.0.1:" + proxyPort() + path;
    }

    /** A client for this gateway's Admin API. */
    public Admin admin() {
        return new Admin(adminPort());
    }

    public Path prefix() {
        return prefix;
    }

    public Path confFile() {
        return conf;
    }

    /** Milliseconds from spawning the process until listeners.json appeared. */
    public long startMillis() {
        return startMillis;
    }

    /** The process this instance spawned (the bin script, or the JVM if the script execs it). */
    public Process process() {
        return process;
    }

    /** The pid written to {@code <prefix>/pids/kong-java.pid}. */
    public long pid() {
        try {
            return Long.parseLong(Files.readString(prefix.resolve("pids/kong-java.pid")).strip());
        } catch (IOException | NumberFormatException e) {
            throw new AssertionError("cannot read " + prefix.resolve("pids/kong-java.pid") + "\n" + output(), e);
        }
    }

    /** Console output plus the tail of logs/error.log, for failure messages. */
    public String output() {
        StringBuilder sb = new StringBuilder("--- kong-java console (" + console + ")\n").append(tail(console, 300));
        Path errorLog = prefix.resolve("logs/error.log");
        if (Files.isRegularFile(errorLog)) {
            sb.append("--- ").append(errorLog).append('\n').append(tail(errorLog, 100));
        }
        return sb.toString();
    }

    /** True while the spawned process runs. */
    public boolean isAlive() {
        return process.isAlive();
    }

    /** Stops the processes this instance started, then fails if Netty reported a leak. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        killTree(process, prefix);
        String out = tail(console, 100_000);
        if (out.contains("LEAK:")) {
            throw new AssertionError("the gateway reported a Netty ByteBuf leak (kept " + base + ")\n" + out);
        }
        deleteTree(base);
    }

    private static void killTree(Process process, Path prefix) {
        Set<ProcessHandle> mine = new HashSet<>();
        mine.add(process.toHandle());
        process.descendants().forEach(mine::add);
        killByPidFile(prefix, mine);
    }

    /**
     * SIGTERM to {@code known} plus the pid in the prefix's pid file when that process is one of {@code known} or its
     * command line names the prefix (so an unrelated process that reused the pid is never touched); SIGKILL after 15 s.
     */
    static void killByPidFile(Path prefix, Set<ProcessHandle> known) {
        Set<ProcessHandle> targets = new HashSet<>(known);
        Path pidFile = prefix.resolve("pids/kong-java.pid");
        try {
            if (Files.isRegularFile(pidFile)) {
                long pid = Long.parseLong(Files.readString(pidFile).strip());
                ProcessHandle.of(pid).ifPresent(h -> {
                    boolean ours = known.contains(h)
                            || h.info().commandLine().map(c -> c.contains(prefix.toString())).orElse(false);
                    if (ours) {
                        targets.add(h);
                        h.descendants().forEach(targets::add);
                    }
                });
            }
        } catch (IOException | NumberFormatException ignored) {
            // No readable pid file: only the processes we spawned ourselves are stopped.
        }
        targets.forEach(ProcessHandle::destroy);
        long deadline = System.nanoTime() + Duration.ofSeconds(15).toNanos();
        while (targets.stream().anyMatch(ProcessHandle::isAlive) && System.nanoTime() < deadline) {
            sleepMillis(20);
        }
        targets.stream().filter(ProcessHandle::isAlive).forEach(ProcessHandle::destroyForcibly);
    }

    static String tail(Path file, int lines) {
        if (!Files.isRegularFile(file)) {
            return "(no " + file + ")\n";
        }
        try {
            List<String> all = Files.readAllLines(file, StandardCharsets.UTF_8);
            List<String> last = all.subList(Math.max(0, all.size() - lines), all.size());
            return String.join("\n", last) + "\n";
        } catch (IOException e) {
            try {
                return new String(Files.readAllBytes(file), StandardCharsets.ISO_8859_1);
            } catch (IOException e2) {
                return "(unreadable " + file + ": " + e2 + ")\n";
            }
        }
    }

    static void deleteTree(Path dir) {
        try (Stream<Path> walk = Files.walk(dir)) {
            walk.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException ignored) {
            // Temp files left behind are harmless.
        }
    }

    static void sleepMillis(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            fail("interrupted");
        }
    }
}
