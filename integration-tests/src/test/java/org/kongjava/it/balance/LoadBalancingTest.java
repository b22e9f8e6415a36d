package org.kongjava.it.balance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import io.netty.channel.EventLoop;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.kongjava.admin.AdminContext;
import org.kongjava.admin.AdminServer;
import org.kongjava.config.conf.ListenSpec;
import org.kongjava.config.model.EntitySet;
import org.kongjava.config.store.MemoryConfigStore;
import org.kongjava.core.balance.BalancerRegistry;
import org.kongjava.core.balance.DnsCache;
import org.kongjava.core.balance.DnsSettings;
import org.kongjava.core.listener.ListenerManager;
import org.kongjava.core.metrics.ServerCounters;
import org.kongjava.core.snapshot.ConfigWriter;
import org.kongjava.core.snapshot.SnapshotCompiler;
import org.kongjava.core.snapshot.SnapshotHolder;
import org.kongjava.core.transport.EventLoops;
import org.kongjava.proxy.http.HttpProxyPipelineFactory;
import org.kongjava.proxy.http.HttpProxySettings;

/**
 * A service whose host names an upstream, end to end: the proxy and Admin API in-process (the production
 * pipeline, snapshot compiler and balancer registry), three real HTTP servers on loopback as targets, a real
 * HTTP client. Configuration goes through the Admin API as an operator's would.
 */
class LoadBalancingTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private EventLoops loops;
    private ListenerManager listeners;
    private ConfigWriter writer;
    private BalancerRegistry registry;
    private DnsCache dns;
    private HttpProxyPipelineFactory proxy;
    private URI admin;
    private URI gateway;
    private HttpClient client;
    private final List<HttpServer> servers = new ArrayList<>();
    private final Map<Integer, AtomicInteger> hits = new ConcurrentHashMap<>();

    @BeforeEach
    void start() throws Exception {
        loops = new EventLoops(2);
        dns = new DnsCache((EventLoop) loops.workers().next(), DnsCache.datagramChannelType(loops), DnsSettings.defaults());
        registry = new BalancerRegistry(loops.workers(), loops.socketChannelType(), dns);
        SnapshotCompiler compiler = new SnapshotCompiler(registry);
        SnapshotHolder holder = new SnapshotHolder(compiler.compile(EntitySet.EMPTY));
        writer = new ConfigWriter(holder, compiler, new MemoryConfigStore());
        listeners = new ListenerManager(loops);
        ServerCounters counters = new ServerCounters();
        proxy = new HttpProxyPipelineFactory(holder, loops, HttpProxySettings.defaults(), counters);
        gateway = URI.create("http://127.0.0.1:"
                + listeners.bind(ListenSpec.plain("proxy_listen", "127.0.0.1", 0), proxy).localAddress().getPort());
        AdminContext ctx = new AdminContext(writer, holder, counters, "node-it", "it", Map.of(), "3.10.0", "test",
                1 << 20, AdminContext.DEFAULT_HEADERS);
        admin = URI.create("http://127.0.0.1:"
                + listeners.bind(ListenSpec.plain("admin_listen", "127.0.0.1", 0), new AdminServer(ctx)).localAddress().getPort());
        client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        for (int i = 0; i < 3; i++) {
            servers.add(server(0));
        }
    }

    @AfterEach
    void stop() {
        listeners.close();
        proxy.close();
        writer.close();
        registry.close();
        dns.close();
        servers.forEach(s -> s.stop(0));
        loops.close();
    }

    private HttpServer server(int port) throws IOException {
        HttpServer s = HttpServer.create(new InetSocketAddress("127.0.0.1", port), 100);
        int p = s.getAddress().getPort();
        s.createContext("/", ex -> {
            hits.computeIfAbsent(p, k -> new AtomicInteger()).incrementAndGet();
            byte[] body = (p + " " + ex.getRequestHeaders().getFirst("Host")).getBytes(StandardCharsets.US_ASCII);
            ex.sendResponseHeaders(200, body.length);
            ex.getResponseBody().write(body);
            ex.close();
        });
        s.setExecutor(java.util.concurrent.Executors.newFixedThreadPool(8));
        s.start();
        return s;
    }

    private int port(int i) {
        return servers.get(i).getAddress().getPort();
    }

    @SuppressWarnings("unchecked")
    private Map<String, Object> adminCall(String method, String path, String body, int expected) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(admin.resolve(path)).timeout(Duration.ofSeconds(10))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofString(body.replace('\'', '"')));
        if (body != null) {
            b.header("Content-Type", "application/json");
        }
        HttpResponse<String> r = client.send(b.build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(expected, r.statusCode(), r.body());
        return r.body().isEmpty() ? Map.of() : JSON.readValue(r.body(), LinkedHashMap.class);
    }

    private void configure(String upstreamJson, int... weights) throws Exception {
        adminCall("POST", "/upstreams", upstreamJson, 201);
        for (int i = 0; i < weights.length; i++) {
            adminCall("POST", "/upstreams/backends.test/targets", "{'target':'127.0.0.1:" + port(i) + "','weight':" + weights[i] + "}", 201);
        }
        adminCall("POST", "/services", "{'name':'svc','host':'backends.test','port':80,'retries':5,'connect_timeout':1000}", 201);
        adminCall("POST", "/services/svc/routes", "{'paths':['/']}", 201);
    }

    private HttpResponse<String> get(String path, String... headers) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(gateway.resolve(path)).timeout(Duration.ofSeconds(10));
        for (int i = 0; i < headers.length; i += 2) {
            b.header(headers[i], headers[i + 1]);
        }
        return client.send(b.GET().build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void distributionFollowsWeightsAndHostIsTheTarget() throws Exception {
        configure("{'name':'backends.test'}", 100, 100, 200);
        for (int i = 0; i < 400; i++) {
            HttpResponse<String> r = get("/");
            assertEquals(200, r.statusCode(), r.body());
            String[] parts = r.body().split(" ");
            assertEquals("127.0.0.1:" + parts[0], parts[1], "Host = target host and port");
        }
        assertEquals(100, hits.get(port(0)).get());
        assertEquals(100, hits.get(port(1)).get());
        assertEquals(200, hits.get(port(2)).get());
    }

    @Test
    void killingOneUnderLoadFailsNoRequestAndRecovers() throws Exception {
        configure("{'name':'backends.test','healthchecks':{'active':{'healthy':{'interval':0.2,'successes':1},"
                + "'unhealthy':{'interval':0.2,'tcp_failures':1,'http_failures':1,'timeouts':1}},"
                + "'passive':{'unhealthy':{'tcp_failures':1}}}}", 100, 100, 100);
        AtomicBoolean stop = new AtomicBoolean();
        AtomicInteger ok = new AtomicInteger();
        List<String> failures = java.util.Collections.synchronizedList(new ArrayList<>());
        List<Thread> load = new ArrayList<>();
        for (int c = 0; c < 4; c++) {
            Thread t = new Thread(() -> {
                while (!stop.get()) {
                    try {
                        HttpResponse<String> r = get("/");
                        if (r.statusCode() == 200) {
                            ok.incrementAndGet();
                        } else {
                            failures.add(r.statusCode() + " " + r.body());
                        }
                    } catch (Exception e) {
                        failures.add(e.toString());
                    }
                }
            });
            t.start();
            load.add(t);
        }
        try {
            Thread.sleep(500);
            int victim = port(1);
            servers.get(1).stop(0);
            long t0 = System.nanoTime();
            while (!"UNHEALTHY".equals(targetHealth(victim))) {
                assertTrue(System.nanoTime() - t0 < 5_000_000_000L, "marked unhealthy in time");
                Thread.sleep(20);
            }
            Thread.sleep(500);
            servers.set(1, server(victim));
            t0 = System.nanoTime();
            while (!"HEALTHY".equals(targetHealth(victim))) {
                assertTrue(System.nanoTime() - t0 < 5_000_000_000L, "healthy again in time");
                Thread.sleep(20);
            }
            int before = hits.get(victim).get();
            Thread.sleep(500);
            assertTrue(hits.get(victim).get() > before, "traffic returns to the restored target");
        } finally {
            stop.set(true);
            for (Thread t : load) {
                t.join();
            }
        }
        assertEquals(List.of(), failures, "failed client requests; ok: " + ok.get());
        assertTrue(ok.get() > 200, "requests served: " + ok.get());
    }

    @SuppressWarnings("unchecked")
    private String targetHealth(int port) throws Exception {
        Map<String, Object> h = adminCall("GET", "/upstreams/backends.test/health", null, 200);
        for (Map<String, Object> t : (List<Map<String, Object>>) h.get("data")) {
            if (t.get("target").equals("127.0.0.1:" + port)) {
                return (String) t.get("health");
            }
        }
        return null;
    }

    @Test
    void noHealthyTargetIs503WithKongsBody() throws Exception {
        configure("{'name':'backends.test','healthchecks':{'passive':{'unhealthy':{'tcp_failures':1}}}}", 100);
        adminCall("PUT", "/upstreams/backends.test/targets/127.0.0.1:" + port(0) + "/unhealthy", null, 204);
        HttpResponse<String> r = get("/", "Accept", "application/json");
        assertEquals(503, r.statusCode());
        assertTrue(r.body().contains("\"message\":\"failure to get a peer from the ring-balancer\""), r.body());
    }

    @Test
    void cookieHashingSetsTheCookieAndSticks() throws Exception {
        configure("{'name':'backends.test','hash_on':'cookie','hash_on_cookie':'sticky','hash_on_cookie_path':'/app'}",
                100, 100, 100);
        HttpResponse<String> first = get("/");
        String setCookie = first.headers().firstValue("Set-Cookie").orElse(null);
        assertNotNull(setCookie, "Set-Cookie when the hash cookie is absent");
        assertTrue(setCookie.matches("sticky=[0-9a-f-]{36}; Path=/app; Same-Site=Lax; HttpOnly"), setCookie);
        String cookie = setCookie.substring(0, setCookie.indexOf(';'));
        String target = first.body().split(" ")[0];
        for (int i = 0; i < 20; i++) {
            HttpResponse<String> r = get("/", "Cookie", cookie);
            assertEquals(target, r.body().split(" ")[0], "same cookie, same target");
            assertTrue(r.headers().firstValue("Set-Cookie").isEmpty());
        }
        Map<String, Integer> spread = new HashMap<>();
        for (int i = 0; i < 60; i++) {
            spread.merge(get("/").body().split(" ")[0], 1, Integer::sum);
        }
        assertEquals(3, spread.size(), "new clients spread over all targets: " + spread);
    }
}
