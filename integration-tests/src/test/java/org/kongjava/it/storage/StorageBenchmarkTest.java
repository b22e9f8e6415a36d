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
 * The embedded store's figures: start-up with 10,000 stored routes, and sustained Admin API writes. The bounds
 * asserted are the targets; the measured figures are printed.
 */
class StorageBenchmarkTest {
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
            assertTrue(ms <= 3000, "start-up took " + ms + " ms");
        }
    }

    @Test
    void sustainsAThousandAdminWritesPerSecond() throws Exception {
        try (Gateway g = Gateway.start(dir.resolve("w"), "")) {
            // warm-up: the JIT, the connection, the first transactions
            runWriters(g, "warm", 1500);
            AtomicInteger[] result = runWriters(g, "bench", 5000);
            double perSecond = result[0].get() / 5.0;
            System.out.printf("BENCH embedded store: %.0f acknowledged admin writes/s (16 clients, %d errors)%n",
                    perSecond, result[1].get());
            assertEquals(0, result[1].get());
            assertTrue(perSecond >= 1000, "admin writes/s: " + perSecond);
        }
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
