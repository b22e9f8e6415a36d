package org.kongjava.it.storage;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** A kong-java process started from gateway-dist/target as a user would, on ports chosen by the OS. */
final class Gateway implements AutoCloseable {
    static final ObjectMapper JSON = new ObjectMapper();
    static final HttpClient CLIENT = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    final Path prefix;
    final Process process;
    URI admin;
    URI proxy;

    private Gateway(Path prefix, Process process) {
        this.prefix = prefix;
        this.process = process;
    }

    static Path home() {
        return Path.of(System.getProperty("kongjava.home", "..")).toAbsolutePath().normalize();
    }

    static List<String> java(String... args) {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--enable-native-access=ALL-UNNAMED", "--sun-misc-unsafe-memory-access=allow", "-Xss512k", "-jar",
                home().resolve("gateway-dist/target/kong-java.jar").toString()));
        cmd.addAll(List.of(args));
        return cmd;
    }

    /** Runs a CLI command to completion; returns exit status and combined output. */
    static Map.Entry<Integer, String> cli(Path dir, String... args) throws Exception {
        Process p = new ProcessBuilder(java(args)).directory(dir.toFile()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IllegalStateException("timed out: " + String.join(" ", args));
        }
        return Map.entry(p.exitValue(), out);
    }

    static Path writeConf(Path prefix, String extra) throws IOException {
        Files.createDirectories(prefix);
        Path conf = prefix.resolve("kong.conf");
        Files.writeString(conf, "proxy_listen = 127.0.0.1:0\nadmin_listen = 127.0.0.1:0\nstatus_listen = off\n"
                + "nginx_worker_processes = 2\nlog_level = info\n" + extra);
        return conf;
    }

    /** Starts with kong.conf lines {@code extra}; returns once the listeners are bound. */
    static Gateway start(Path prefix, String extra) throws Exception {
        Path conf = writeConf(prefix, extra);
        Files.deleteIfExists(prefix.resolve("listeners.json"));
        Process p = new ProcessBuilder(java("start", "-c", conf.toString(), "-p", prefix.toString()))
                .redirectErrorStream(true).redirectOutput(prefix.resolve("stdout.log").toFile()).start();
        Gateway g = new Gateway(prefix, p);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        Path listeners = prefix.resolve("listeners.json");
        while (!Files.exists(listeners)) {
            if (!p.isAlive() || System.nanoTime() > deadline) {
                p.destroyForcibly();
                throw new IllegalStateException("gateway did not start: " + Files.readString(prefix.resolve("stdout.log")));
            }
            Thread.sleep(50);
        }
        for (Object o : JSON.readValue(Files.readString(listeners), List.class)) {
            Map<?, ?> m = (Map<?, ?>) o;
            URI u = URI.create("http://127.0.0.1:" + m.get("port"));
            if ("admin_listen".equals(m.get("key"))) {
                g.admin = u;
            } else if ("proxy_listen".equals(m.get("key"))) {
                g.proxy = u;
            }
        }
        return g;
    }

    HttpResponse<String> call(String method, String path, String json) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(admin.resolve(path)).timeout(Duration.ofSeconds(10))
                .method(method, json == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(json));
        if (json != null) {
            b.header("Content-Type", "application/json");
        }
        return CLIENT.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    HttpResponse<String> post(String path, Map<String, Object> body) throws Exception {
        return call("POST", path, JSON.writeValueAsString(body));
    }

    /** SIGKILL: no shutdown hook, no flush. */
    void kill9() throws Exception {
        process.destroyForcibly();
        process.waitFor(10, TimeUnit.SECONDS);
    }

    @Override
    public void close() throws Exception {
        if (process.isAlive()) {
            process.destroy();
            if (!process.waitFor(15, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                process.waitFor(5, TimeUnit.SECONDS);
            }
        }
    }
}
