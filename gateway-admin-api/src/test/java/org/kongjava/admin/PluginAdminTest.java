package org.kongjava.admin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
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
import org.kongjava.core.listener.ListenerManager;
import org.kongjava.core.metrics.ServerCounters;
import org.kongjava.core.snapshot.ConfigWriter;
import org.kongjava.core.snapshot.SnapshotCompiler;
import org.kongjava.core.snapshot.SnapshotHolder;
import org.kongjava.core.testing.LeakCheck;
import org.kongjava.core.transport.EventLoops;

/** {@code /plugins}, {@code /plugins/enabled} and the plugins nested under routes and services, over a real server. */
@ExtendWith(LeakCheck.class)
class PluginAdminTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private static EventLoops loops;
    private static ListenerManager listeners;
    private static ConfigWriter writer;
    private static SnapshotHolder holder;
    private static URI base;
    private static HttpClient client;

    @BeforeAll
    static void start() {
        loops = new EventLoops(1);
        listeners = new ListenerManager(loops);
        SnapshotCompiler compiler = new SnapshotCompiler();
        holder = new SnapshotHolder(compiler.compile(EntitySet.EMPTY));
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

    private static void routeAndService() throws Exception {
        expect(201, send("POST", "/services", "{'name':'db','url':'tcp://db.test:5432'}"));
        expect(201, send("POST", "/services/db/routes", "{'name':'pg','protocols':['tcp'],'destinations':[{'port':5432}]}"));
    }

    @Test
    void crudNestedListsAndNodeInfo() throws Exception {
        routeAndService();
        assertEquals(Map.of("enabled_plugins", List.of("ip-restriction")), expect(200, send("GET", "/plugins/enabled", null)));
        Map<String, Object> p = expect(201, send("POST", "/routes/pg/plugins",
                "{'name':'ip-restriction','config':{'deny':['127.0.0.1']},'tags':['t1']}"));
        String routeId = (String) ((Map<?, ?>) expect(200, send("GET", "/routes/pg", null))).get("id");
        assertEquals(Map.of("id", routeId), p.get("route"));
        assertNull(p.get("service"));
        assertEquals(true, p.get("enabled"));
        assertEquals(List.of("grpc", "grpcs", "http", "https", "tcp", "tls"), p.get("protocols"));
        String id = (String) p.get("id");
        Map<String, Object> s = expect(201, send("POST", "/services/db/plugins", "{'name':'ip-restriction','config':{'allow':['10.0.0.0/8']}}"));
        expect(201, send("POST", "/plugins", "{'name':'ip-restriction','instance_name':'all','config':{'deny':['192.0.2.0/24']}}"));

        assertEquals(3, data(expect(200, send("GET", "/plugins", null))).size());
        assertEquals(List.of(id), data(expect(200, send("GET", "/routes/pg/plugins", null))).stream().map(m -> m.get("id")).toList());
        assertEquals(List.of(s.get("id")), data(expect(200, send("GET", "/services/db/plugins", null))).stream().map(m -> m.get("id")).toList());
        assertEquals(1, data(expect(200, send("GET", "/plugins?tags=t1", null))).size());
        assertEquals("all", expect(200, send("GET", "/plugins/all", null)).get("instance_name"));
        assertEquals(404, send("GET", "/routes/nope/plugins", null).statusCode());
        assertEquals(404, send("POST", "/services/nope/plugins", "{'name':'ip-restriction','config':{'deny':['::1']}}").statusCode());

        // Nested entity endpoints answer only for a plugin of that route or service.
        assertEquals(id, expect(200, send("GET", "/routes/pg/plugins/" + id, null)).get("id"));
        assertEquals(404, send("GET", "/services/db/plugins/" + id, null).statusCode());
        assertEquals(404, send("DELETE", "/routes/pg/plugins/" + s.get("id"), null).statusCode());
        assertEquals(List.of("t2"), expect(200, send("PATCH", "/services/db/plugins/" + s.get("id"), "{'tags':['t2']}")).get("tags"));
        Map<String, Object> patched = expect(200, send("PATCH", "/plugins/" + id, "{'config':{'deny':null,'allow':['127.0.0.1']}}"));
        assertEquals(List.of("127.0.0.1"), ((Map<?, ?>) patched.get("config")).get("allow"));
        assertNull(((Map<?, ?>) patched.get("config")).get("deny"));

        @SuppressWarnings("unchecked")
        Map<String, Object> plugins = (Map<String, Object>) expect(200, send("GET", "/", null)).get("plugins");
        assertEquals(List.of("ip-restriction"), plugins.get("enabled_in_cluster"));

        // Deleting the route deletes its plugin; the service's and the global one stay.
        expect(204, send("DELETE", "/routes/pg", null));
        assertEquals(404, send("GET", "/plugins/" + id, null).statusCode());
        assertEquals(2, data(expect(200, send("GET", "/plugins", null))).size());
        expect(204, send("DELETE", "/plugins/all", null));
        assertEquals(1, data(expect(200, send("GET", "/plugins", null))).size());
    }

    @Test
    void kongErrors() throws Exception {
        routeAndService();
        Map<String, Object> e = expect(400, send("POST", "/plugins", "{'name':'key-auth'}"));
        assertEquals(Map.of("name", "plugin 'key-auth' not enabled; add it to the 'plugins' configuration property"), e.get("fields"));
        assertEquals(2, e.get("code"));
        e = expect(400, send("POST", "/plugins", "{'name':'ip-restriction','config':{}}"));
        assertEquals(Map.of("@entity", List.of("at least one of these fields must be non-empty: 'config.allow', 'config.deny'")),
                e.get("fields"));
        e = expect(400, send("POST", "/plugins", "{'name':'ip-restriction','config':{'allow':['nope']}}"));
        assertEquals(Map.of("config", Map.of("allow", List.of("invalid ip or cidr range: 'nope'"))), e.get("fields"));
        e = expect(400, send("POST", "/plugins", "{'name':'ip-restriction','route':{'id':'6c3f4b5e-0000-4000-8000-000000000001'},"
                + "'config':{'deny':['::1']}}"));
        assertEquals("foreign key violation", e.get("name"));
        expect(201, send("POST", "/routes/pg/plugins", "{'name':'ip-restriction','config':{'deny':['::1']}}"));
        e = expect(409, send("POST", "/routes/pg/plugins", "{'name':'ip-restriction','config':{'allow':['::1']}}"));
        assertEquals("unique constraint violation", e.get("name"));
        assertTrue(((Map<?, ?>) e.get("fields")).containsKey("consumer"), e.toString());
    }
}
