package org.kongjava.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.kongjava.it.support.Admin;
import org.kongjava.it.support.Closer;
import org.kongjava.it.support.EchoServer;
import org.kongjava.it.support.Gateway;
import org.kongjava.it.support.Poll;
import org.kongjava.it.support.RawHttp;

/**
 * Admin API writes are live on the proxy as soon as the write is answered, also for requests on keep-alive
 * connections opened before the write; and a stream of writes does not disturb traffic already flowing.
 */
class LiveConfigTest {

    static EchoServer echo;
    static EchoServer other;
    static Gateway gw;
    static Admin admin;

    @BeforeAll
    static void start() {
        echo = EchoServer.start();
        other = EchoServer.start();
        gw = Gateway.start();
        admin = gw.admin();
        admin.create("/services", Map.of("name", "echo", "url", echo.url()));
        admin.create("/services/echo/routes", Map.of("name", "load", "paths", List.of("/load")));
    }

    @AfterAll
    static void stop() {
        Closer.closeAll(gw, echo, other);
    }

    @Test
    void writesAreLiveWhenAnswered() throws IOException {
        try (RawHttp c = RawHttp.connect(gw.proxyPort())) {
            assertEquals(200, c.get("/load", "live.test").status(), "warm keep-alive connection");
            for (int i = 0; i < 50; i++) {
                JsonNode route = admin.create("/services/echo/routes", Map.of("paths", List.of("/live-" + i)));
                assertEquals(200, c.get("/live-" + i, "live.test").status(), "route " + i + " live at once");
                admin.patch("/routes/" + route.path("id").asText(), Map.of("paths", List.of("/moved-" + i))).expect(200);
                assertEquals(200, c.get("/moved-" + i, "live.test").status(), "PATCHed path live at once");
                assertEquals(404, c.get("/live-" + i, "live.test").status(), "old path gone at once");
                admin.delete("/routes/" + route.path("id").asText()).expect(204);
                assertEquals(404, c.get("/moved-" + i, "live.test").status(), "deleted route gone at once");
            }
            admin.create("/services", Map.of("name", "switch", "url", echo.url()));
            admin.create("/services/switch/routes", Map.of("paths", List.of("/switch")));
            assertEquals(String.valueOf(echo.port()), c.get("/switch", "live.test").header("x-echo-port"));
            admin.patch("/services/switch", Map.of("url", other.url())).expect(200);
            assertEquals(String.valueOf(other.port()), c.get("/switch", "live.test").header("x-echo-port"),
                    "a service's new target is used by the next request");
        }
    }

    @Test
    void thousandAdminWritesUnderSteadyLoadFailNoRequest() throws Exception {
        int clients = 4;
        AtomicBoolean running = new AtomicBoolean(true);
        AtomicInteger ok = new AtomicInteger();
        ConcurrentLinkedQueue<String> failures = new ConcurrentLinkedQueue<>();
        List<Thread> threads = new ArrayList<>();
        for (int t = 0; t < clients; t++) {
            int id = t;
            Thread th = new Thread(() -> {
                // One connection per client for the whole test: a closed keep-alive connection is a failure.
                try (RawHttp c = RawHttp.connect(gw.proxyPort())) {
                    while (running.get()) {
                        RawHttp.Response r = c.get("/load/" + id, "load.test");
                        if (r.status() != 200) {
                            failures.add("client " + id + ": " + r);
                        } else {
                            ok.incrementAndGet();
                        }
                    }
                } catch (IOException | RuntimeException e) {
                    failures.add("client " + id + ": " + e);
                }
            }, "load-" + t);
            th.start();
            threads.add(th);
        }
        int okBefore;
        long t0 = System.nanoTime();
        try {
            Poll.until(Duration.ofSeconds(10),
                    () -> ok.get() > 100 || !failures.isEmpty(), () -> "load running");
            okBefore = ok.get();
            int writes = 0;
            for (int i = 0; writes < 1000; i++) {
                admin.patch("/routes/load", Map.of("tags", List.of("gen-" + i))).expect(200);
                JsonNode r = admin.create("/services/echo/routes",
                        Map.of("name", "churn-" + i, "paths", List.of("/churn-" + i), "hosts", List.of("c" + i + ".test")));
                admin.patch("/routes/churn-" + i, Map.of("paths", List.of("/churn-" + i + "/x"))).expect(200);
                admin.delete("/routes/" + r.path("id").asText()).expect(204);
                writes += 4;
            }
        } finally {
            running.set(false);
            for (Thread th : threads) {
                th.join(10_000);
            }
        }
        long ms = (System.nanoTime() - t0) / 1_000_000;
        System.out.printf("1000 admin writes in %d ms while %d keep-alive clients made %d requests%n",
                ms, clients, ok.get());
        assertTrue(failures.isEmpty(), () -> failures.size() + " failures, first: " + failures.peek());
        assertTrue(ok.get() > okBefore + clients, "traffic flowed during the writes");
        JsonNode tags = admin.get("/routes/load").expect(200).json().path("tags");
        assertEquals(1, tags.size(), tags::toString);
        assertEquals(0, admin.get("/routes?size=1000").expect(200).json().path("data").findValuesAsText("name")
                .stream().filter(n -> n.startsWith("churn-")).count(), "every churn route was deleted");
    }
}
