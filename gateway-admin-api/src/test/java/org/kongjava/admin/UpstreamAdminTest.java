package org.kongjava.admin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.netty.channel.EventLoop;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
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
import org.kongjava.core.testing.LeakCheck;
import org.kongjava.core.transport.EventLoops;

/** {@code /upstreams} and targets over a real Admin API server. */
@ExtendWith(LeakCheck.class)
class UpstreamAdminTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private static EventLoops loops;
    private static ListenerManager listeners;
    private static ConfigWriter writer;
    private static BalancerRegistry registry;
    private static DnsCache dns;
    private static URI base;
    private static HttpClient client;

    @BeforeAll
    static void start() throws Exception {
        loops = new EventLoops(2);
        listeners = new ListenerManager(loops);
        Path hosts = Files.createTempFile("hosts", ".txt");
        Files.writeString(hosts, "127.0.0.1 backend.test\n");
        hosts.toFile().deleteOnExit();
        DnsSettings ds = new DnsSettings(List.of(new java.net.InetSocketAddress("127.0.0.1", 9)), hosts,
                List.of("LAST", "SRV", "A", "CNAME"), 3600, 30, 1);
        dns = new DnsCache((EventLoop) loops.workers().next(), DnsCache.datagramChannelType(loops), ds);
        registry = new BalancerRegistry(loops.workers(), loops.socketChannelType(), dns);
        SnapshotCompiler compiler = new SnapshotCompiler(registry);
        SnapshotHolder holder = new SnapshotHolder(compiler.compile(EntitySet.EMPTY));
        writer = new ConfigWriter(holder, compiler, new MemoryConfigStore());
        AdminContext ctx = new AdminContext(writer, holder, new ServerCounters(), "node-1", "test-host", Map.of(), "3.10.0",
                "0.1.0-test", 64 * 1024, AdminContext.DEFAULT_HEADERS);
        int port = listeners.bind(ListenSpec.plain("admin_listen", "127.0.0.1", 0), new AdminServer(ctx)).localAddress().getPort();
        base = URI.create("http://127.0.0.1:" + port);
        client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    }

    @AfterAll
    static void stop() {
        listeners.close();
        writer.close();
        registry.close();
        dns.close();
        loops.close();
    }

    @BeforeEach
    void reset() throws Exception {
        writer.submit(cur -> new ConfigWriter.Result<>(new EntitySet(cur.version() + 1, Map.of(), Map.of()), null)).get();
    }

    private static HttpResponse<String> send(String method, String path, String body) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(base.resolve(path)).timeout(Duration.ofSeconds(10))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofString(body.replace('\'', '"')));
        if (body != null) {
            b.header("Content-Type", "application/json");
        }
        return client.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> expect(int status, HttpResponse<String> r) throws Exception {
        assertEquals(status, r.statusCode(), () -> "body: " + r.body());
        return r.body().isEmpty() ? Map.of() : JSON.readValue(r.body(), LinkedHashMap.class);
    }

    @SuppressWarnings("unchecked")
    private static List<Map<String, Object>> data(Map<String, Object> page) {
        return (List<Map<String, Object>>) page.get("data");
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> map(Object o) {
        return (Map<String, Object>) o;
    }

    @Test
    void upstreamCrudWithDefaultsAndRecursivePatch() throws Exception {
        Map<String, Object> u = expect(201, send("POST", "/upstreams", "{'name':'my.upstream'}"));
        assertEquals("round-robin", u.get("algorithm"));
        assertEquals(10000, u.get("slots"));
        assertEquals("none", u.get("hash_on"));
        assertEquals(0, map(map(map(u.get("healthchecks")).get("active")).get("healthy")).get("interval"));
        assertEquals(u.get("id"), expect(200, send("GET", "/upstreams/my.upstream", null)).get("id"));
        Map<String, Object> p = expect(200, send("PATCH", "/upstreams/my.upstream",
                "{'healthchecks':{'passive':{'unhealthy':{'tcp_failures':2}}},'hash_on':'header','hash_on_header':'x-user'}"));
        assertEquals("consistent-hashing", p.get("algorithm"));
        Map<String, Object> passive = map(map(p.get("healthchecks")).get("passive"));
        assertEquals(2, map(passive.get("unhealthy")).get("tcp_failures"));
        assertEquals(List.of(429, 500, 503), map(passive.get("unhealthy")).get("http_statuses"));
        Map<String, Object> put = expect(200, send("PUT", "/upstreams/my.upstream", "{'slots':123}"));
        assertEquals(u.get("id"), put.get("id"));
        assertEquals("round-robin", put.get("algorithm"), "PUT replaces: omitted fields get defaults");
        assertEquals(1, data(expect(200, send("GET", "/upstreams", null))).size());
        expect(204, send("DELETE", "/upstreams/my.upstream", null));
        expect(404, send("GET", "/upstreams/my.upstream", null));
    }

    @Test
    void badUpstreamInputIs400NamingTheField() throws Exception {
        Map<String, Object> e = expect(400, send("POST", "/upstreams", "{'name':'u','algorithm':'random'}"));
        assertEquals("schema violation", e.get("name"));
        assertEquals("expected one of: consistent-hashing, least-connections, round-robin, latency", map(e.get("fields")).get("algorithm"));
        e = expect(400, send("POST", "/upstreams", "{'name':'u','healthchecks':{'active':{'healthy':{'interval':-1}}}}"));
        assertEquals("value should be between 0 and 65535",
                map(map(map(map(e.get("fields")).get("healthchecks")).get("active")).get("healthy")).get("interval"));
        e = expect(400, send("PUT", "/upstreams/1.2.3.4", "{}"));
        assertEquals("Invalid name ('1.2.3.4'); no ip addresses allowed", e.get("message"));
        e = expect(400, send("PUT", "/upstreams/00000000-0000-0000-0000-000000000001", "{}"));
        assertEquals("schema violation (name: required field missing)", e.get("message"));
    }

    @Test
    void targetsLifecycle() throws Exception {
        expect(201, send("POST", "/upstreams", "{'name':'svc.upstream'}"));
        Map<String, Object> t1 = expect(201, send("POST", "/upstreams/svc.upstream/targets", "{'target':'127.0.0.1'}"));
        assertEquals("127.0.0.1:8000", t1.get("target"));
        assertEquals(100, t1.get("weight"));
        assertTrue(t1.get("created_at") instanceof Number);
        Thread.sleep(5); // distinct millisecond timestamps order the list
        expect(201, send("POST", "/upstreams/svc.upstream/targets", "{'target':'127.0.0.2:9000','weight':0}"));
        expect(409, send("POST", "/upstreams/svc.upstream/targets", "{'target':'127.0.0.1:8000'}"));
        List<Map<String, Object>> list = data(expect(200, send("GET", "/upstreams/svc.upstream/targets", null)));
        assertEquals(List.of("127.0.0.2:9000", "127.0.0.1:8000"), list.stream().map(m -> m.get("target")).toList(),
                "newest first, weight 0 included");
        List<Map<String, Object>> all = data(expect(200, send("GET", "/upstreams/svc.upstream/targets/all", null)));
        assertEquals(List.of("127.0.0.1:8000", "127.0.0.2:9000"), all.stream().map(m -> m.get("target")).toList());
        assertEquals(t1.get("id"), expect(200, send("GET", "/upstreams/svc.upstream/targets/127.0.0.1", null)).get("id"));
        assertEquals(t1.get("id"), expect(200, send("GET", "/upstreams/svc.upstream/targets/" + t1.get("id"), null)).get("id"));
        assertEquals(5, expect(200, send("PATCH", "/upstreams/svc.upstream/targets/127.0.0.1:8000", "{'weight':5}")).get("weight"));
        assertEquals(7, expect(200, send("PUT", "/upstreams/svc.upstream/targets/127.0.0.1:8000", "{'weight':7}")).get("weight"));
        expect(404, send("GET", "/upstreams/svc.upstream/targets/127.0.0.9:1", null));
        expect(404, send("GET", "/upstreams/nope/targets", null));
        expect(404, send("POST", "/upstreams/nope/targets", "{'target':'127.0.0.1'}"));
        expect(204, send("DELETE", "/upstreams/svc.upstream/targets/127.0.0.2:9000", null));
        assertEquals(1, data(expect(200, send("GET", "/upstreams/svc.upstream/targets", null))).size());
        expect(404, send("GET", "/targets", null));
    }

    @Test
    void badTargetsAre400NamingTheField() throws Exception {
        expect(201, send("POST", "/upstreams", "{'name':'bad.upstream'}"));
        for (String bad : List.of("host:99999", "", "not a host")) {
            Map<String, Object> e = expect(400, send("POST", "/upstreams/bad.upstream/targets", "{'target':'" + bad + "'}"));
            assertEquals(Map.of("target", "Invalid target; not a valid hostname or ip address"), e.get("fields"), bad);
        }
        Map<String, Object> e = expect(400, send("POST", "/upstreams/bad.upstream/targets", "{'target':'a.test','weight':70000}"));
        assertEquals(Map.of("weight", "value should be between 0 and 65535"), e.get("fields"));
    }

    @Test
    void healthEndpointAndOverrides() throws Exception {
        expect(201, send("POST", "/upstreams", "{'name':'h.upstream'}"));
        expect(201, send("POST", "/upstreams/h.upstream/targets", "{'target':'127.0.0.1:1'}"));
        Map<String, Object> h = expect(200, send("GET", "/upstreams/h.upstream/health", null));
        assertEquals("node-1", h.get("node_id"));
        Map<String, Object> row = data(h).get(0);
        assertEquals("HEALTHCHECKS_OFF", row.get("health"));
        assertEquals("127.0.0.1", map(row.get("data")).get("host"));
        // With checks off, overrides are refused as in Kong.
        Map<String, Object> err = expect(400, send("PUT", "/upstreams/h.upstream/targets/127.0.0.1:1/unhealthy", null));
        assertEquals("no healthchecker found for h.upstream", err.get("message"));

        expect(200, send("PATCH", "/upstreams/h.upstream", "{'healthchecks':{'passive':{'unhealthy':{'tcp_failures':1}}}}"));
        assertEquals("HEALTHY", data(expect(200, send("GET", "/upstreams/h.upstream/health", null))).get(0).get("health"));
        expect(204, send("PUT", "/upstreams/h.upstream/targets/127.0.0.1:1/unhealthy", null));
        row = data(expect(200, send("GET", "/upstreams/h.upstream/health", null))).get(0);
        assertEquals("UNHEALTHY", row.get("health"));
        assertEquals("UNHEALTHY", map(((List<?>) map(row.get("data")).get("addresses")).get(0)).get("health"));
        Map<String, Object> bh = map(expect(200, send("GET", "/upstreams/h.upstream/health?balancer_health=1", null)).get("data"));
        assertEquals("UNHEALTHY", bh.get("health"));
        assertEquals("UNHEALTHY", bh.get("balancer_health"));
        assertEquals(false, map(bh.get("details")).get("healthy"));
        // POST is accepted too; the address form targets one resolved address.
        expect(204, send("POST", "/upstreams/h.upstream/targets/127.0.0.1:1/127.0.0.1:1/healthy", null));
        assertEquals("HEALTHY", data(expect(200, send("GET", "/upstreams/h.upstream/health", null))).get(0).get("health"));
        expect(404, send("PUT", "/upstreams/h.upstream/targets/127.0.0.7:1/healthy", null));
    }

    @Test
    void hostNameTargetsResolveThroughTheHostsFileAndUnresolvableOnesAreDnsErrors() throws Exception {
        expect(201, send("POST", "/upstreams", "{'name':'dns.upstream'}"));
        expect(201, send("POST", "/upstreams/dns.upstream/targets", "{'target':'backend.test:8080'}"));
        // The name server (port 9, discard) never answers: the write still completes, the target is a DNS error.
        expect(201, send("POST", "/upstreams/dns.upstream/targets", "{'target':'missing.test:8080'}"));
        List<Map<String, Object>> rows = data(expect(200, send("GET", "/upstreams/dns.upstream/health", null)));
        Map<String, Object> missing = rows.get(0);
        Map<String, Object> found = rows.get(1);
        assertEquals("backend.test:8080", found.get("target"));
        assertEquals("HEALTHCHECKS_OFF", found.get("health"));
        Map<String, Object> addr = map(((List<?>) map(found.get("data")).get("addresses")).get(0));
        assertEquals("127.0.0.1", addr.get("ip"));
        assertEquals(8080, addr.get("port"));
        assertEquals("DNS_ERROR", missing.get("health"));
        assertNull(registry.balancerReport(java.util.UUID.randomUUID()));
    }
}
