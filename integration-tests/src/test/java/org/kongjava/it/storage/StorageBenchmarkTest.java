package org.kongjava.it.storage;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The embedded store's figures: start-up with 10,000 stored routes, and sustained Admin API writes; both are
 * printed ({@code BENCH ...}). The targets (ready in 3 s, 1,000 writes/s) are enforced with
 * {@code -Dkongjava.bench.enforce=true} on a quiet machine; otherwise only bounds no correct build misses on a
 * busy CI runner are asserted. Writes are driven by wrk when installed (a client that does not compete for the
 * CPU as much as a JVM client does), else by 16 Java client threads.
 */
class StorageBenchmarkTest {
    static final boolean ENFORCE = Boolean.getBoolean("kongjava.bench.enforce");
    @TempDir
    Path dir;

    @Test
    void startsWithTenThousandRoutesWithinThreeSeconds() throws Exception {
        Path prefix = dir.resolve("p");
        Path conf = Gateway.writeConf(prefix, "");
        StringBuilder yml = new StringBuilder("_format_version: \"3.0\"\nservices:\n");
        for (int s = 0; s < 100; s++) {
            yml.append("- name: s").append(s).append("\n  url: http://127.0.0.1:9/\n  routes:\n");
            for (int r = 0; r < 100; r++) {
                yml.append("  - name: r").append(s).append('-').append(r).append("\n    paths: [/s").append(s).append("/r").append(r)
                        .append("]\n    hosts: [h").append(r % 10).append(".example]\n");
            }
        }
        Path file = dir.resolve("10k.yml");
        Files.writeString(file, yml);
        Map.Entry<Integer, String> imp = Gateway.cli(dir, "config", "db_import", file.toString(), "-c", conf.toString(), "-p", prefix.toString());
        assertEquals(0, imp.getKey(), imp.getValue());

        long t0 = System.nanoTime();
        try (Gateway g = Gateway.start(prefix, "")) {
            long ms = (System.nanoTime() - t0) / 1_000_000;
            System.out.println("BENCH start-up with 10000 stored routes (process start to listening): " + ms + " ms");
            Map<?, ?> page = Gateway.JSON.readValue(g.call("GET", "/routes?size=1", null).body(), Map.class);
            assertEquals(1, ((List<?>) page.get("data")).size());
            assertTrue(ms <= (ENFORCE ? 3000 : 15000), "start-up took " + ms + " ms");
        }
    }

    @Test
    void sustainsAThousandAdminWritesPerSecond() throws Exception {
        try (Gateway g = Gateway.start(dir.resolve("w"), "")) {
            double perSecond;
            int errors;
            if (wrkInstalled()) {
                Path script = dir.resolve("post.lua");
                Files.writeString(script, """
                        local threads = 0
                        function setup(thread)
                          threads = threads + 1
                          thread:set("tid", threads)
                        end
                        counter = 0
                        request = function()
                          counter = counter + 1
                          local body = '{"name":"w' .. tostring(tid) .. '-' .. counter .. '","host":"h.example"}'
                          return wrk.format("POST", "/services", {["Content-Type"]="application/json"}, body)
                        end
                        """);
                wrk(g, script, "2s"); // warm-up (names restart per run: a second run would collide, so new prefix below)
                Files.writeString(script, Files.readString(script).replace("'{\"name\":\"w'", "'{\"name\":\"b'"));
                String out = wrk(g, script, "5s");
                perSecond = Double.parseDouble(out.replaceAll("(?s).*Requests/sec:\\s+([0-9.]+).*", "$1"));
                errors = out.contains("Non-2xx") ? Integer.parseInt(out.replaceAll("(?s).*Non-2xx or 3xx responses: (\\d+).*", "$1")) : 0;
            } else {
                runWriters(g, "warm", 1500);
                AtomicInteger[] result = runWriters(g, "bench", 5000);
                perSecond = result[0].get() / 5.0;
                errors = result[1].get();
            }
            System.out.printf("BENCH embedded store: %.0f acknowledged admin writes/s (16 connections, %d errors)%n", perSecond, errors);
            assertEquals(0, errors);
            assertTrue(perSecond >= (ENFORCE ? 1000 : 100), "admin writes/s: " + perSecond);
        }
    }

    private static boolean wrkInstalled() {
        return java.util.stream.Stream.of(System.getenv("PATH").split(":")).anyMatch(d -> Files.isExecutable(Path.of(d, "wrk")));
    }

    private static String wrk(Gateway g, Path script, String duration) throws Exception {
        Process p = new ProcessBuilder("wrk", "-t2", "-c16", "-d" + duration, "-s", script.toString(), g.admin.toString() + "/")
                .redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertEquals(0, p.waitFor(), out);
        return out;
    }

    private static AtomicInteger[] runWriters(Gateway g, String tag, long millis) throws Exception {
        AtomicInteger ok = new AtomicInteger();
        AtomicInteger errors = new AtomicInteger();
        long end = System.currentTimeMillis() + millis;
        List<Thread> threads = new ArrayList<>();
        for (int t = 0; t < 16; t++) {
            int id = t;
            Thread th = new Thread(() -> {
                for (int i = 0; System.currentTimeMillis() < end; i++) {
                    String name = tag + "-" + id + "-" + i;
                    try {
                        if (g.post("/services", Map.of("name", name, "host", "h.example")).statusCode() == 201) {
                            ok.incrementAndGet();
                        } else {
                            errors.incrementAndGet();
                        }
                    } catch (Exception e) {
                        errors.incrementAndGet();
                    }
                }
            });
            th.start();
            threads.add(th);
        }
        for (Thread th : threads) {
            th.join();
        }
        return new AtomicInteger[] {ok, errors};
    }
}
