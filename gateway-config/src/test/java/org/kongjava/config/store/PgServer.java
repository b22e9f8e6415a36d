package org.kongjava.config.store;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A real PostgreSQL server from the distribution's packages, in a temporary data directory on 127.0.0.1 and a
 * free port, trust authentication, superuser {@code postgres}. As root it runs as the {@code postgres} user
 * (PostgreSQL refuses root). Only the process started here is ever stopped. Shared with the integration tests
 * through this module's test-jar.
 */
public final class PgServer implements AutoCloseable {
    /** The temporary data directory. */
    public final Path dir;
    /** The port the server listens on (127.0.0.1). */
    public final int port;
    private final Path bin;
    private Process process;

    private PgServer(Path bin, Path dir, int port) {
        this.bin = bin;
        this.dir = dir;
        this.port = port;
    }

    /** The server binaries' directory, or null when PostgreSQL is not installed. */
    public static Path findBin() {
        Path base = Path.of("/usr/lib/postgresql");
        if (!Files.isDirectory(base)) {
            return null;
        }
        try (Stream<Path> s = Files.list(base)) {
            return s.map(p -> p.resolve("bin")).filter(p -> Files.isExecutable(p.resolve("postgres")))
                    .sorted().reduce((a, b) -> b).orElse(null);
        } catch (IOException e) {
            return null;
        }
    }

    private static boolean root() {
        return "root".equals(System.getProperty("user.name"));
    }

    /** Initializes and starts a server; null when PostgreSQL is not available here. */
    public static PgServer startIfAvailable() throws Exception {
        Path bin = findBin();
        if (bin == null) {
            return null;
        }
        Path dir = Files.createTempDirectory("kj-pg-");
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        if (root()) {
            run(List.of("chown", "-R", "postgres:postgres", dir.toString()));
        }
        run(cmd(List.of(bin.resolve("initdb").toString(), "-D", dir.resolve("data").toString(), "-U", "postgres",
                "-A", "trust", "-E", "UTF8", "--no-sync")));
        PgServer pg = new PgServer(bin, dir, port);
        try {
            pg.start();
            try (Connection c = pg.connect("postgres"); Statement st = c.createStatement()) {
                st.execute("CREATE DATABASE kong");
            }
        } catch (Exception e) {
            pg.close(); // never leave a server behind
            throw e;
        }
        return pg;
    }

    public void start() throws Exception {
        process = new ProcessBuilder(cmd(List.of(bin.resolve("postgres").toString(), "-D", dir.resolve("data").toString(),
                "-p", Integer.toString(port), "-k", dir.toString(), "-c", "listen_addresses=127.0.0.1", "-c", "fsync=off")))
                .redirectErrorStream(true).redirectOutput(dir.resolve("server.log").toFile()).start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (true) {
            try (Connection c = connect("postgres")) {
                return;
            } catch (SQLException e) {
                if (System.nanoTime() > deadline || !process.isAlive()) {
                    stop();
                    throw new IllegalStateException("postgres did not start: " + Files.readString(dir.resolve("server.log")), e);
                }
                Thread.sleep(100);
            }
        }
    }

    /** Stops the server this object started (fast shutdown: SIGINT to its postmaster), waiting for it to exit. */
    public void stop() throws Exception {
        if (process == null || !process.isAlive()) {
            return;
        }
        Path pidFile = dir.resolve("data").resolve("postmaster.pid");
        long pid = Files.isRegularFile(pidFile) ? Long.parseLong(Files.readAllLines(pidFile).get(0).trim()) : -1;
        // Only the postmaster this object started (a descendant of our process) is signalled.
        if (pid > 0 && process.toHandle().descendants().anyMatch(h -> h.pid() == pid) || pid == process.pid()) {
            new ProcessBuilder("kill", "-INT", Long.toString(pid)).start().waitFor();
        } else {
            process.destroy();
        }
        process.waitFor(30, TimeUnit.SECONDS);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (pid > 0 && ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false) && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
    }

    public Connection connect(String database) throws SQLException {
        Properties p = new Properties();
        p.setProperty("user", "postgres");
        p.setProperty("connectTimeout", "2");
        return DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + port + "/" + database, p);
    }

    public PgSettings settings() {
        return new PgSettings("127.0.0.1", port, "postgres", null, "kong", null, false, false, 2000, 0);
    }

    /** The same connection as {@link #settings()}, as kong.conf lines. */
    public String confLines() {
        return "database = postgres\npg_host = 127.0.0.1\npg_port = " + port + "\npg_user = postgres\npg_database = kong\npg_timeout = 2000\n";
    }

    private static List<String> cmd(List<String> c) {
        if (!root()) {
            return c;
        }
        List<String> out = new ArrayList<>(List.of("runuser", "-u", "postgres", "--"));
        out.addAll(c);
        return out;
    }

    private static void run(List<String> c) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(c).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        if (p.waitFor() != 0) {
            throw new IOException(String.join(" ", c) + " failed: " + out);
        }
    }

    @Override
    public void close() throws Exception {
        stop();
        if (root()) {
            run(List.of("rm", "-rf", dir.toString()));
        } else {
            try (Stream<Path> s = Files.walk(dir)) {
                s.sorted((a, b) -> b.compareTo(a)).forEach(p -> p.toFile().delete());
            }
        }
    }
}
