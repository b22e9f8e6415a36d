package org.kongjava.it.storage;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import java.net.InetSocketAddress;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Upstreams and targets written through the Admin API are kept by the embedded store across a restart. */
class UpstreamStoreTest {
    @TempDir
    Path dir;

    @Test
    void upstreamAndTargetsSurviveARestartAndStillBalance() throws Exception {
        HttpServer a = target("a");
        HttpServer b = target("b");
        try {
            Path prefix = dir.resolve("p");
            try (Gateway g = Gateway.start(prefix, "")) {
                assertEquals(201, g.post("/upstreams", Map.of("name", "billing.upstream")).statusCode());
                for (HttpServer s : List.of(a, b)) {
                    HttpResponse<String> r = g.post("/upstreams/billing.upstream/targets",
                            Map.of("target", "127.0.0.1:" + s.getAddress().getPort()));
                    assertEquals(201, r.statusCode(), r.body());
                }
                assertEquals(201, g.post("/services", Map.of("name", "billing", "host", "billing.upstream")).statusCode());
                assertEquals(201, g.post("/services/billing/routes", Map.of("name", "lb", "paths", List.of("/lb"))).statusCode());
            }
            try (Gateway g = Gateway.start(prefix, "")) {
                HttpResponse<String> r = g.call("GET", "/upstreams/billing.upstream/targets", null);
                assertEquals(200, r.statusCode(), r.body());
                Set<String> targets = new HashSet<>();
                for (Object o : (List<?>) Gateway.JSON.readValue(r.body(), Map.class).get("data")) {
                    targets.add((String) ((Map<?, ?>) o).get("target"));
                }
                assertEquals(Set.of("127.0.0.1:" + a.getAddress().getPort(), "127.0.0.1:" + b.getAddress().getPort()), targets);
                Set<String> reached = new HashSet<>();
                for (int i = 0; i < 10 && reached.size() < 2; i++) {
                    HttpResponse<String> p = Gateway.CLIENT.send(HttpRequest.newBuilder(g.proxy.resolve("/lb/x"))
                            .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
                    assertEquals(200, p.statusCode(), p.body());
                    reached.add(p.body());
                }
                assertEquals(Set.of("a", "b"), reached, "round-robin over both stored targets");
            }
        } finally {
            a.stop(0);
            b.stop(0);
        }
    }

    /** A plain HTTP server on 127.0.0.1 (port 0) answering every request with {@code name}. */
    private static HttpServer target(String name) throws Exception {
        HttpServer s = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        s.createContext("/", ex -> {
            byte[] body = name.getBytes(StandardCharsets.UTF_8);
            ex.getRequestBody().readAllBytes();
            ex.sendResponseHeaders(200, body.length);
            ex.getResponseBody().write(body);
            ex.close();
        });
        s.start();
        return s;
    }
}
