package org.kongjava.it.storage;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The default embedded store across restarts and {@code kill -9}. */
class EmbeddedStoreTest {
    @TempDir
    Path dir;

    @Test
    void everyAcknowledgedWriteSurvivesKill9AndNothingElse() throws Exception {
        Path prefix = dir.resolve("p");
        Set<String> acked = ConcurrentHashMap.newKeySet();
        Set<String> attempted = ConcurrentHashMap.newKeySet();
        try (Gateway g = Gateway.start(prefix, "")) {
            AtomicBoolean stop = new AtomicBoolean();
            List<Thread> writers = new java.util.ArrayList<>();
            for (int w = 0; w < 4; w++) {
                int id = w;
                Thread t = new Thread(() -> {
                    for (int i = 0; !stop.get(); i++) {
                        String name = "svc-" + id + "-" + i;
                        attempted.add(name);
                        try {
                            HttpResponse<String> r = g.post("/services", Map.of("name", name, "host", name + ".example"));
                            if (r.statusCode() == 201) {
                                acked.add(name);
                            }
                        } catch (Exception e) {
                            return; // the gateway is gone
                        }
                    }
                });
                t.start();
                writers.add(t);
            }
            Thread.sleep(1500);
            g.kill9(); // in the middle of the stream of writes
            stop.set(true);
            for (Thread t : writers) {
                t.join(10_000);
            }
        }
        assertTrue(acked.size() > 20, "writes acknowledged before the kill: " + acked.size());
        try (Gateway g = Gateway.start(prefix, "")) {
            Set<String> stored = new HashSet<>();
            String next = "/services?size=1000";
            while (next != null) {
                Map<?, ?> page = Gateway.JSON.readValue(g.call("GET", next, null).body(), Map.class);
                for (Object o : (List<?>) page.get("data")) {
                    Map<?, ?> s = (Map<?, ?>) o;
                    stored.add((String) s.get("name"));
                    assertEquals(s.get("name") + ".example", s.get("host")); // whole entities only
                }
                next = (String) page.get("next");
            }
            assertTrue(stored.containsAll(acked), "lost acknowledged writes: " + diff(acked, stored));
            assertTrue(attempted.containsAll(stored), "unknown entities: " + diff(stored, attempted));
            assertTrue(stored.size() - acked.size() <= 4, "at most the in-flight writes may be extra: " + diff(stored, acked));
        }
    }

    private static Set<String> diff(Set<String> a, Set<String> b) {
        Set<String> d = new HashSet<>(a);
        d.removeAll(b);
        return d;
    }
}
