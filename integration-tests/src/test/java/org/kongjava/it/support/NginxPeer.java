package org.kongjava.it.support;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

/**
 * A real nginx started as a child process ({@code daemon off}) from a generated nginx.conf in a temp directory,
 * serving {@link #root()} on 127.0.0.1. nginx cannot bind port 0 and report it, so the port is probed just before
 * start, with one retry if another process took it in between.
 */
public final class NginxPeer implements AutoCloseable {

    private final Path dir;
    private final Process process;
    private final int port;

    private NginxPeer(Path dir, Process process, int port) {
        this.dir = dir;
        this.process = process;
        this.port = port;
    }

    /**
     * Starts nginx; {@code serverDirectives} are added inside the {@code server {}} block (locations etc.), after
     * {@code listen}, {@code root <dir>/www} and {@code client_max_body_size 0}.
     */
    public static NginxPeer start(String serverDirectives) {
        return start(serverDirectives, false);
    }

    /**
     * {@link #start(String)} with {@code listen ... ssl} when {@code ssl} is true; {@code serverDirectives} then carry
     * {@code ssl_certificate} and {@code ssl_certificate_key} (and any {@code ssl_verify_client}).
     */
    public static NginxPeer start(String serverDirectives, boolean ssl) {
        Path nginx = Peers.require("nginx");
        try {
            Path dir = Files.createTempDirectory("nginx-it-");
            Files.createDirectories(dir.resolve("www"));
            Files.createDirectories(dir.resolve("tmp"));
            AssertionError last = null;
            for (int attempt = 0; attempt < 2; attempt++) {
                int port = freePort();
                Files.writeString(dir.resolve("nginx.conf"), config(dir, port, serverDirectives, ssl));
                Process p = new ProcessBuilder(nginx.toString(), "-p", dir.toString(), "-c",
                        dir.resolve("nginx.conf").toString(), "-e", dir.resolve("error.log").toString())
                        .redirectErrorStream(true).redirectOutput(dir.resolve("console.log").toFile()).start();
                try {
                    Poll.until(Duration.ofSeconds(10), () -> !p.isAlive() || accepts(port), () -> "nginx on " + port);
                } catch (AssertionError e) {
                    p.destroyForcibly();
                    throw new AssertionError("nginx did not listen\n" + log(dir), e);
                }
                if (p.isAlive()) {
                    return new NginxPeer(dir, p, port);
                }
                last = new AssertionError("nginx exited with " + p.exitValue() + "\n" + log(dir));
                if (!log(dir).contains("Address already in use")) {
                    break;
                }
            }
            throw last;
        } catch (IOException e) {
            throw new AssertionError("cannot start nginx", e);
        }
    }

    private static String config(Path dir, int port, String serverDirectives, boolean ssl) {
        String tmp = dir.resolve("tmp").toString();
        boolean root = "root".equals(System.getProperty("user.name"));
        return (root ? "user root;\n" : "")
                + "daemon off;\n"
                + "worker_processes 1;\n"
                + "pid " + dir.resolve("nginx.pid") + ";\n"
                + "error_log " + dir.resolve("error.log") + " warn;\n"
                + "events { worker_connections 4096; }\n"
                + "http {\n"
                + "  access_log off;\n"
                + "  default_type application/octet-stream;\n"
                + "  sendfile on;\n"
                + "  keepalive_requests 1000000;\n"
                + "  client_body_temp_path " + tmp + "/body;\n"
                + "  proxy_temp_path " + tmp + "/proxy;\n"
                + "  fastcgi_temp_path " + tmp + "/fastcgi;\n"
                + "  uwsgi_temp_path " + tmp + "/uwsgi;\n"
                + "  scgi_temp_path " + tmp + "/scgi;\n"
                + "  server {\n"
                + "    listen 127.0.0.1:" + port + (ssl ? " ssl" : "") + ";\n"
                + "    root " + dir.resolve("www") + ";\n"
                + "    client_max_body_size 0;\n"
                + "    " + serverDirectives + "\n"
                + "  }\n"
                + "}\n";
    }

    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket()) {
            s.setReuseAddress(true);
            s.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            return s.getLocalPort();
        }
    }

    private static boolean accepts(int port) {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 200);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private static String log(Path dir) {
        return Gateway.tail(dir.resolve("console.log"), 50) + Gateway.tail(dir.resolve("error.log"), 50);
    }

    public int port() {
        return port;
    }

    /** {@code http://127.0.0.1:<port>}. */
    public String url() {
        return "http://127.0.0.1:" + port;
    }

    /** The document root. */
    public Path root() {
        return dir.resolve("www");
    }

    public String log() {
        return log(dir);
    }

    @Override
    public void close() {
        java.util.List<ProcessHandle> workers = process.descendants().toList();
        process.destroy();
        try {
            if (!process.waitFor(10, java.util.concurrent.TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
        }
        Poll.within(Duration.ofSeconds(5), () -> workers.stream().noneMatch(ProcessHandle::isAlive));
        workers.stream().filter(ProcessHandle::isAlive).forEach(ProcessHandle::destroyForcibly);
        Gateway.deleteTree(dir);
    }
}
