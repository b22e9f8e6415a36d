package org.kongjava.it.storage;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import java.net.InetSocketAddress;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.kongjava.config.store.PgServer;

/** Several gateway nodes on one real PostgreSQL server. */
class PostgresClusterTest {
    static PgServer pg;
    static HttpServer upstream;

    @TempDir
    Path dir;

    @BeforeAll
    static void start() throws Exception {
        pg = PgServer.startIfAvailable();
        if (pg == null && Boolean.getBoolean("it.requirePeers")) {
            throw new IllegalStateException("PostgreSQL is required (-Dit.requirePeers=true) but not installed");
        }
        Assumptions.assumeTrue(pg != null, "PostgreSQL not installed");
        upstream = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        upstream.createContext("/", ex -> {
            byte[] b = "ok".getBytes();
            ex.sendResponseHeaders(200, b.length);
            ex.getResponseBody().write(b);
            ex.close();
        });
        upstream.start();
    }

    @AfterAll
    static void stop() throws Exception {
        if (upstream != null) {
            upstream.stop(0);
        }
        if (pg != null) {
            pg.close();
        }
    }

    @Test
    void aWriteOnOneNodeIsLiveOnTheOtherWithinASecondAndOutagesDoNotStopProxying() throws Exception {
        Path conf = Gateway.writeConf(dir.resolve("cli"), pg.confLines());
        Map.Entry<Integer, String> boot = Gateway.cli(dir, "migrations", "reset", "--yes", "-c", conf.toString());
        assertEquals(0, boot.getKey(), boot.getValue());
        boot = Gateway.cli(dir, "migrations", "bootstrap", "-c", conf.toString());
        assertEquals(0, boot.getKey(), boot.getValue());
        Map.Entry<Integer, String> list = Gateway.cli(dir, "migrations", "list", "-c", conf.toString());
        assertEquals(0, list.getKey(), list.getValue());

        try (Gateway a = Gateway.start(dir.resolve("a"), pg.confLines()); Gateway b = Gateway.start(dir.resolve("b"), pg.confLines())) {
            // Propagation: each write on A is visible on B's Admin API and proxy within 1 s.
            int port = upstream.getAddress().getPort();
            assertEquals(201, a.post("/services", Map.of("name", "up", "url", "http://127.0.0.1:" + port)).statusCode());
            for (int i = 0; i < 5; i++) {
                assertEquals(201, a.post("/services/up/routes", Map.of("name", "r" + i, "paths", List.of("/r" + i))).statusCode());
                long t0 = System.nanoTime(); // from the acknowledgement on A
                while (b.call("GET", "/routes/r" + i, null).statusCode() != 200) {
                    assertTrue(System.nanoTime() - t0 < 1_000_000_000L, "route r" + i + " not on node B within 1 s");
                    Thread.sleep(10);
                }
                long ms = (System.nanoTime() - t0) / 1_000_000;
                System.out.println("propagation A -> B after A's acknowledgement: " + ms + " ms");
            }
            assertEquals(200, proxied(b, "/r0"));

            // The database goes away and comes back while both nodes proxy: no request fails.
            AtomicBoolean run = new AtomicBoolean(true);
            AtomicInteger ok = new AtomicInteger();
            AtomicInteger failed = new AtomicInteger();
            Thread load = new Thread(() -> {
                while (run.get()) {
                    for (Gateway g : List.of(a, b)) {
                        try {
                            if (proxied(g, "/r1") == 200) {
                                ok.incrementAndGet();
                            } else {
                                failed.incrementAndGet();
                            }
                        } catch (Exception e) {
                            failed.incrementAndGet();
                        }
                    }
                }
            });
            load.start();
            Thread.sleep(300);
            pg.stop();
            Thread.sleep(1500);
            Map<?, ?> status = Gateway.JSON.readValue(b.call("GET", "/status", null).body(), Map.class);
            assertEquals(Map.of("reachable", false), status.get("database"));
            assertEquals(500, a.post("/services/up/routes", Map.of("name", "down", "paths", List.of("/down"))).statusCode());
            pg.start();
            Thread.sleep(1500);
            run.set(false);
            load.join();
            assertEquals(0, failed.get(), "failed proxied requests (" + ok.get() + " succeeded)");
            assertTrue(ok.get() > 50, "requests during the outage: " + ok.get());

            // Both catch up: a write after the outage reaches the other node.
            long t0 = System.nanoTime();
            assertEquals(201, b.post("/services/up/routes", Map.of("name", "after", "paths", List.of("/after"))).statusCode());
            while (a.call("GET", "/routes/after", null).statusCode() != 200) {
                assertTrue(System.nanoTime() - t0 < 2_000_000_000L, "route not on node A after the outage");
                Thread.sleep(10);
            }
            assertEquals(Map.of("reachable", true),
                    Gateway.JSON.readValue(a.call("GET", "/status", null).body(), Map.class).get("database"));
        }
    }

    private static int proxied(Gateway g, String path) throws Exception {
        return Gateway.CLIENT.send(HttpRequest.newBuilder(g.proxy.resolve(path)).timeout(Duration.ofSeconds(5)).GET().build(),
                HttpResponse.BodyHandlers.ofString()).statusCode();
    }
}
