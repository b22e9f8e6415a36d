package org.kongjava.admin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.kongjava.config.conf.ListenSpec;
import org.kongjava.config.model.EntitySet;
import org.kongjava.config.model.Route;
import org.kongjava.config.model.Service;
import org.kongjava.config.store.ConfigStore;
import org.kongjava.config.store.MemoryConfigStore;
import org.kongjava.core.listener.ListenerManager;
import org.kongjava.core.metrics.ServerCounters;
import org.kongjava.core.snapshot.ConfigWriter;
import org.kongjava.core.snapshot.SnapshotCompiler;
import org.kongjava.core.snapshot.SnapshotHolder;
import org.kongjava.core.testing.LeakCheck;
import org.kongjava.core.transport.EventLoops;

@ExtendWith(LeakCheck.class)
class AdminServerTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int BODY_LIMIT = 64 * 1024;

    private static EventLoops loops;
    private static ListenerManager listeners;
    private static ConfigWriter writer;
    private static ConfigWriter failingWriter;
    private static SnapshotHolder holder;
    private static ServerCounters counters;
    private static URI base;
    private static URI failingBase;
    private static HttpClient client;

    @BeforeAll
    static void start() {
        loops = new EventLoops(2);
        listeners = new ListenerManager(loops);
        SnapshotCompiler compiler = new SnapshotCompiler();
        holder = new SnapshotHolder(compiler.compile(EntitySet.EMPTY));
        writer = new ConfigWriter(holder, compiler, new MemoryConfigStore());
        counters = new ServerCounters();
        AdminContext ctx = new AdminContext(writer, holder, counters, "3f5a6b1c-0000-4000-8000-000000000001", "test-host",
                Map.of("admin_listen", List.of("127.0.0.1:0")), "3.10.0", "0.1.0-test", BODY_LIMIT, AdminContext.DEFAULT_HEADERS);
        base = uri(listeners.bind(ListenSpec.plain("admin_listen", "127.0.0.1", 0), new AdminServer(ctx)).localAddress());

        // A second node whose store always fails: every write must end in a clean 500.
        SnapshotHolder h2 = new SnapshotHolder(compiler.compile(EntitySet.EMPTY));
        ConfigStore broken = new ConfigStore() {
            @Override
            public EntitySet load() {
                return EntitySet.EMPTY;
            }

            @Override
            public void commit(EntitySet before, EntitySet after) throws IOException {
                throw new IOException("disk on fire");
            }
        };
        failingWriter = new ConfigWriter(h2, compiler, broken);
        AdminContext ctx2 = new AdminContext(failingWriter, h2, new ServerCounters(), "node-2", "test-host", Map.of(), "3.10.0",
                "0.1.0-test", BODY_LIMIT, Set.of());
        failingBase = uri(listeners.bind(ListenSpec.plain("admin_listen", "127.0.0.1", 0), new AdminServer(ctx2)).localAddress());
        client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    }

    private static URI uri(InetSocketAddress a) {
        return URI.create("http://127.0.0.1:" + a.getPort());
    }

    @AfterAll
    static void stop() {
        listeners.close();
        writer.close();
        failingWriter.close();
        loops.close();
    }

    @BeforeEach
    void reset() throws Exception {
        writer.submit(cur -> new ConfigWriter.Result<>(new EntitySet(cur.version() + 1, Map.of(), Map.of()), null)).get();
    }

    // ------------------------------------------------------------------ helpers

    private static HttpResponse<String> send(String method, String path, String contentType, String body) throws Exception {
        return send(base, method, path, contentType, body);
    }

    private static HttpResponse<String> send(URI to, String method, String path, String contentType, String body) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(to.resolve(path)).timeout(Duration.ofSeconds(10))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        if (contentType != null) {
            b.header("Content-Type", contentType);
        }
        return client.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static HttpResponse<String> json(String method, String path, String body) throws Exception {
        return send(method, path, "application/json", body == null ? null : body.replace('\'', '"'));
    }

    private static HttpResponse<String> get(String path) throws Exception {
        return send("GET", path, null, null);
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> body(HttpResponse<String> r) throws Exception {
        return JSON.readValue(r.body(), LinkedHashMap.class);
    }

    private static Map<String, Object> expect(int status, HttpResponse<String> r) throws Exception {
        assertEquals(status, r.statusCode(), () -> "body: " + r.body());
        return r.body().isEmpty() ? null : body(r);
    }

    private static String createService(String name, String extra) throws Exception {
        Map<String, Object> s = expect(201, json("POST", "/services", "{'name':'" + name + "','host':'" + name + ".test'" + extra + "}"));
        return (String) s.get("id");
    }

    // ------------------------------------------------------------------ node endpoints

    @Test
    void rootStatusAndEndpoints() throws Exception {
        HttpResponse<String> r = get("/");
        Map<String, Object> root = expect(200, r);
        assertEquals("Welcome to kong", root.get("tagline"));
        assertEquals("3.10.0", root.get("version"));
        assertEquals("community", root.get("edition"));
        assertEquals("test-host", root.get("hostname"));
        assertEquals("3f5a6b1c-0000-4000-8000-000000000001", root.get("node_id"));
        assertEquals("0.1.0-test", root.get("kong_java_version"));
        assertEquals(Map.of("available_on_server", Map.of("ip-restriction", Map.of("version", "3.10.0", "priority", 990)),
                "enabled_in_cluster", List.of()), root.get("plugins"));
        assertEquals(Map.of("admin_listen", List.of("127.0.0.1:0")), root.get("configuration"));
        assertEquals("application/json; charset=utf-8", r.headers().firstValue("Content-Type").orElse(null));
        assertEquals("kong/3.10.0", r.headers().firstValue("Server").orElse(null));
        assertTrue(r.headers().firstValue("X-Kong-Admin-Latency").orElseThrow().matches("\\d+"));
        assertEquals("*", r.headers().firstValue("Access-Control-Allow-Origin").orElse(null));
        assertEquals("true", r.headers().firstValue("Access-Control-Allow-Credentials").orElse(null));

        Map<String, Object> status = expect(200, get("/status"));
        @SuppressWarnings("unchecked")
        Map<String, Object> server = (Map<String, Object>) status.get("server");
        assertTrue(((Number) server.get("total_requests")).longValue() >= 2);
        assertTrue(((Number) server.get("connections_accepted")).longValue() >= 1);
        assertTrue(((Number) server.get("connections_active")).longValue() >= 1);
        assertEquals(Map.of("reachable", true), status.get("database"));

        Map<String, Object> endpoints = expect(200, get("/endpoints"));
        assertEquals(List.of("/", "/ca_certificates", "/ca_certificates/{ca_certificates}",
                "/certificates", "/certificates/{certificates}", "/certificates/{certificates}/snis",
                "/certificates/{certificates}/snis/{snis}", "/config", "/endpoints", "/plugins", "/plugins/enabled", "/plugins/{plugins}", "/routes", "/routes/{routes}", "/routes/{routes}/plugins", "/routes/{routes}/plugins/{plugins}",
                "/routes/{routes}/service", "/services", "/services/{services}", "/services/{services}/client_certificate", "/services/{services}/plugins", "/services/{services}/plugins/{plugins}",
                "/services/{services}/routes", "/services/{services}/routes/{routes}", "/services/{services}/tls",
                "/snis", "/snis/{snis}", "/snis/{snis}/certificate", "/status",
                "/upstreams", "/upstreams/{upstreams}", "/upstreams/{upstreams}/health", "/upstreams/{upstreams}/targets",
                "/upstreams/{upstreams}/targets/all", "/upstreams/{upstreams}/targets/{targets}",
                "/upstreams/{upstreams}/targets/{targets}/healthy", "/upstreams/{upstreams}/targets/{targets}/unhealthy",
                "/upstreams/{upstreams}/targets/{targets}/{address}/healthy",
                "/upstreams/{upstreams}/targets/{targets}/{address}/unhealthy"),
                endpoints.get("data"));
    }

    @Test
    void corsOptionsHeadAndHeadersOff() throws Exception {
        HttpResponse<String> o = client.send(HttpRequest.newBuilder(base.resolve("/services/abc"))
                .method("OPTIONS", HttpRequest.BodyPublishers.noBody())
                .header("Origin", "http://ui.test")
                .header("Access-Control-Request-Headers", "X-Foo").build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(204, o.statusCode());
        assertEquals("DELETE, GET, HEAD, OPTIONS, PATCH, PUT", o.headers().firstValue("Allow").orElse(null));
        assertEquals("DELETE, GET, HEAD, OPTIONS, PATCH, PUT", o.headers().firstValue("Access-Control-Allow-Methods").orElse(null));
        assertEquals("X-Foo", o.headers().firstValue("Access-Control-Allow-Headers").orElse(null));
        assertEquals("http://ui.test", o.headers().firstValue("Access-Control-Allow-Origin").orElse(null));
        assertEquals("", o.body());

        HttpResponse<String> h = send("HEAD", "/services", null, null);
        assertEquals(200, h.statusCode());
        assertEquals("", h.body());

        HttpResponse<String> plain = send(failingBase, "GET", "/", null, null);
        assertEquals(200, plain.statusCode());
        assertTrue(plain.headers().firstValue("Server").isEmpty());
        assertTrue(plain.headers().firstValue("X-Kong-Admin-Latency").isEmpty());
    }

    // ------------------------------------------------------------------ services

    @Test
    void serviceCrudRoundTrip() throws Exception {
        Map<String, Object> created = expect(201, json("POST", "/services", "{'name':'svc','host':'example.test','tags':['a']}"));
        String id = (String) created.get("id");
        assertEquals("http", created.get("protocol"));
        assertEquals(80, created.get("port"));
        assertEquals(5, created.get("retries"));
        assertEquals(60000, created.get("read_timeout"));
        assertTrue(created.containsKey("path") && created.get("path") == null);
        assertTrue(created.containsKey("tls_verify") && created.get("tls_verify") == null);
        assertTrue(created.get("created_at") instanceof Integer, "integer seconds: " + created.get("created_at"));
        assertEquals(created.get("created_at"), created.get("updated_at"));
        assertEquals(18, created.size());
        // read-your-writes: the response arrives after the snapshot is live
        Service live = holder.current().entities().services().get(UUID.fromString(id));
        assertNotNull(live);
        assertEquals("example.test", live.host());

        assertEquals(created, expect(200, get("/services/" + id)));
        assertEquals(created, expect(200, get("/services/svc")));
        assertEquals(created, expect(200, get("/services/svc/")));

        Map<String, Object> patched = expect(200, json("PATCH", "/services/svc", "{'port':8080,'path':'/v1'}"));
        assertEquals(8080, patched.get("port"));
        assertEquals("/v1", patched.get("path"));
        assertEquals(List.of("a"), patched.get("tags"));
        assertEquals(8080, holder.current().entities().services().get(UUID.fromString(id)).port());

        Map<String, Object> put = expect(200, json("PUT", "/services/" + id, "{'name':'svc2','host':'other.test'}"));
        assertEquals(id, put.get("id"));
        assertEquals("svc2", put.get("name"));
        assertEquals(80, put.get("port"));
        assertNull(put.get("path"));
        assertNull(put.get("tags"));

        assertEquals(204, send("DELETE", "/services/svc2", null, null).statusCode());
        assertTrue(holder.current().entities().services().isEmpty());
        assertEquals(Map.of("message", "Not found"), expect(404, get("/services/" + id)));
        assertEquals(204, send("DELETE", "/services/svc2", null, null).statusCode());
    }

    @Test
    void putUpsertsByNameAndById() throws Exception {
        Map<String, Object> byName = expect(200, json("PUT", "/services/by-name", "{'host':'a.test','name':'ignored'}"));
        assertEquals("by-name", byName.get("name"));
        Map<String, Object> again = expect(200, json("PUT", "/services/by-name", "{'host':'b.test'}"));
        assertEquals(byName.get("id"), again.get("id"));
        assertEquals("b.test", again.get("host"));
        assertEquals(1, holder.current().entities().services().size());

        String id = UUID.randomUUID().toString();
        Map<String, Object> byId = expect(200, json("PUT", "/services/" + id, "{'host':'c.test','id':'" + UUID.randomUUID() + "'}"));
        assertEquals(id, byId.get("id"));
        assertEquals(2, holder.current().entities().services().size());
    }

    @Test
    void urlShorthand() throws Exception {
        Map<String, Object> s = expect(201, json("POST", "/services", "{'url':'https://api.test:8443/v1/x'}"));
        assertEquals("https", s.get("protocol"));
        assertEquals("api.test", s.get("host"));
        assertEquals(8443, s.get("port"));
        assertEquals("/v1/x", s.get("path"));
        assertFalse(s.containsKey("url"));
        Map<String, Object> f = expect(201, send("POST", "/services", "application/x-www-form-urlencoded", "url=https%3A%2F%2Fform.test"));
        assertEquals("https", f.get("protocol"));
        assertEquals(443, f.get("port"));
        Map<String, Object> err = expect(400, json("POST", "/services", "{'url':'invalid url'}"));
        assertEquals(Map.of("code", 2, "name", "schema violation",
                "message", "2 schema violations (host: required field missing; path: should start with: /)",
                "fields", Map.of("host", "required field missing", "path", "should start with: /")), err);
    }

    @Test
    void errorShapes() throws Exception {
        assertEquals("{\"code\":2,\"name\":\"schema violation\",\"message\":\"schema violation (host: required field missing)\","
                + "\"fields\":{\"host\":\"required field missing\"}}", json("POST", "/services", "{}").body());
        Map<String, Object> two = expect(400, json("POST", "/services", "{'host':'a.test','port':'x','foo':1}"));
        assertEquals("2 schema violations (foo: unknown field; port: expected an integer)", two.get("message"));
        assertEquals(Map.of("foo", "unknown field", "port", "expected an integer"), two.get("fields"));

        createService("dup", "");
        Map<String, Object> conflict = expect(409, json("POST", "/services", "{'name':'dup','host':'b.test'}"));
        assertEquals(5, conflict.get("code"));
        assertEquals("UNIQUE violation detected on '{name=\"dup\"}'", conflict.get("message"));
        assertEquals(Map.of("name", "dup"), conflict.get("fields"));

        Map<String, Object> missing = expect(404, json("PATCH", "/services/nope", "{'port':1}"));
        assertEquals(Map.of("code", 6, "name", "not found", "message", "could not find the entity with '{name=\"nope\"}'",
                "fields", Map.of("name", "nope")), missing);
        String uuid = UUID.randomUUID().toString();
        assertEquals("could not find the entity with primary key '{id=\"" + uuid + "\"}'",
                expect(404, json("PATCH", "/services/" + uuid, "{'port':1}")).get("message"));

        assertEquals(Map.of("message", "Not found"), expect(404, get("/nothing/here")));
        assertEquals(Map.of("message", "Method not allowed"), expect(405, json("DELETE", "/services", null)));
        assertEquals(Map.of("message", "Method not allowed"), expect(405, json("PUT", "/routes", "{}")));
        HttpResponse<String> unsupported = send("POST", "/services", "text/plain", "host=a");
        assertEquals(415, unsupported.statusCode());
        assertEquals("", unsupported.body());
        assertEquals(Map.of("message", "Cannot parse JSON body"), expect(400, send("POST", "/services", "application/json", "{\"hello\": \"world\"")));
        assertEquals(Map.of("message", "Multiple Content-Type headers not allowed"), expect(400, client.send(
                HttpRequest.newBuilder(base.resolve("/services")).POST(HttpRequest.BodyPublishers.ofString("{}"))
                        .header("Content-Type", "application/json").header("Content-Type", "application/json").build(),
                HttpResponse.BodyHandlers.ofString())));
        // a GET ignores its body
        assertEquals(200, send("GET", "/services", "application/json", "not json").statusCode());
    }

    @Test
    void unexpectedFailureIsA500WithoutDetails() throws Exception {
        HttpResponse<String> r = send(failingBase, "POST", "/services", "application/json", "{\"host\":\"a.test\"}");
        assertEquals(500, r.statusCode());
        assertEquals("{\"message\":\"An unexpected error occurred\"}", r.body());
        assertFalse(r.body().contains("disk on fire"));
    }

    @Test
    void bodyOverLimitIs413Json() throws Exception {
        try (Socket s = new Socket("127.0.0.1", base.getPort())) {
            s.setSoTimeout(5000);
            OutputStream out = s.getOutputStream();
            out.write(("POST /services HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: "
                    + (BODY_LIMIT + 1) + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            out.flush();
            String resp = new String(readAll(s.getInputStream()), StandardCharsets.UTF_8);
            assertTrue(resp.startsWith("HTTP/1.1 413"), resp);
            assertTrue(resp.endsWith("{\"message\":\"Payload too large\"}"), resp);
        }
        // a body just under the limit is read (and judged by the schema)
        String big = "{\"host\":\"a.test\",\"name\":\"" + "x".repeat(BODY_LIMIT - 100) + "\"}";
        assertEquals(201, send("POST", "/services", "application/json", big).statusCode());
    }

    @Test
    void pipelinedRequestsAreAnsweredInOrderAndSeeEarlierWrites() throws Exception {
        String post = "{\"name\":\"pipe\",\"host\":\"p.test\"}";
        String requests = "POST /services HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: " + post.length()
                + "\r\n\r\n" + post
                + "GET /services/pipe HTTP/1.1\r\nHost: x\r\n\r\n"
                + "GET /nope HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
        try (Socket s = new Socket("127.0.0.1", base.getPort())) {
            s.setSoTimeout(5000);
            s.getOutputStream().write(requests.getBytes(StandardCharsets.US_ASCII));
            s.getOutputStream().flush();
            String resp = new String(readAll(s.getInputStream()), StandardCharsets.UTF_8);
            int created = resp.indexOf("HTTP/1.1 201");
            int ok = resp.indexOf("HTTP/1.1 200");
            int notFound = resp.indexOf("HTTP/1.1 404");
            assertTrue(created >= 0 && created < ok && ok < notFound, resp);
            assertTrue(resp.substring(ok, notFound).contains("\"name\":\"pipe\""), resp);
        }
    }

    private static byte[] readAll(InputStream in) throws IOException {
        return in.readAllBytes(); // the server closes after a 413
    }

    // ------------------------------------------------------------------ pagination and tags

    @Test
    @SuppressWarnings("unchecked")
    void paginationAcrossPages() throws Exception {
        Set<String> created = new HashSet<>();
        for (int i = 0; i < 5; i++) {
            created.add(createService("p" + i, ",'tags':['t" + (i % 2) + "','all']"));
        }
        List<String> seen = new ArrayList<>();
        String next = "/services?size=2";
        int pages = 0;
        while (next != null) {
            Map<String, Object> page = expect(200, get(next));
            List<Map<String, Object>> data = (List<Map<String, Object>>) page.get("data");
            data.forEach(d -> seen.add((String) d.get("id")));
            next = (String) page.get("next");
            pages++;
            if (next != null) {
                assertTrue(next.startsWith("/services?offset="), next);
                assertTrue(next.endsWith("&size=2"), next);
                assertEquals(2, data.size());
                assertNotNull(page.get("offset"));
            } else {
                assertEquals(1, data.size());
                assertFalse(page.containsKey("offset"));
            }
        }
        assertEquals(3, pages);
        assertEquals(created, new HashSet<>(seen));
        assertEquals(5, seen.size());

        Map<String, Object> all = expect(200, get("/services?tags=t0,all"));
        assertEquals(3, ((List<?>) all.get("data")).size());
        assertTrue(all.containsKey("next") && all.get("next") == null);
        assertEquals(5, ((List<?>) expect(200, get("/services?tags=t0/t1")).get("data")).size());
        assertEquals(0, ((List<?>) expect(200, get("/services?tags=t0,t1")).get("data")).size());
        Map<String, Object> tagged = expect(200, get("/services?tags=all&size=4"));
        assertTrue(((String) tagged.get("next")).endsWith("&tags=all&size=4"));

        assertEquals(Map.of("code", 11, "name", "invalid options", "message", "invalid option (tags: invalid filter syntax)",
                "options", Map.of("tags", "invalid filter syntax")), expect(400, get("/services?tags=a,b/c")));
        assertEquals("invalid option (tags: cannot be null)", expect(400, get("/services?tags=")).get("message"));
        assertEquals(Map.of("code", 9, "name", "invalid size", "message", "size must be a number"), expect(400, get("/services?size=x")));
        assertEquals("size must be an integer between 1 and 1000", expect(400, get("/services?size=1001")).get("message"));
        assertEquals(Map.of("code", 7, "name", "invalid offset", "message", "'x' is not a valid offset: bad base64 encoding"),
                expect(400, get("/routes?offset=x")));
        Map<String, Object> empty = expect(200, get("/routes?foo=bar"));
        assertEquals(List.of(), empty.get("data"));
        assertTrue(empty.containsKey("next") && empty.get("next") == null);
        assertEquals(2, empty.size());
    }

    // ------------------------------------------------------------------ routes

    @Test
    @SuppressWarnings("unchecked")
    void routesWithFormsAndServiceReferences() throws Exception {
        String sid = createService("backend", "");
        String form = "name=r1&methods=GET&methods=POST&paths[]=/a&paths[]=/b&service.name=backend"
                + "&headers.x-version=v1&strip_path=false&regex_priority=3&hosts[1]=a.test&tags=";
        Map<String, Object> r = expect(201, send("POST", "/routes", "application/x-www-form-urlencoded", form));
        assertEquals(List.of("GET", "POST"), r.get("methods"));
        assertEquals(List.of("/a", "/b"), r.get("paths"));
        assertEquals(List.of("a.test"), r.get("hosts"));
        assertEquals(Map.of("id", sid), r.get("service"));
        assertEquals(Map.of("x-version", List.of("v1")), r.get("headers"));
        assertEquals(false, r.get("strip_path"));
        assertEquals(3, r.get("regex_priority"));
        assertNull(r.get("tags"));
        assertEquals(List.of("http", "https"), r.get("protocols"));
        assertEquals(21, r.size());
        Route live = holder.current().entities().routes().get(UUID.fromString((String) r.get("id")));
        assertEquals(UUID.fromString(sid), live.serviceId());

        String boundary = "XyZ123";
        String multipart = "--" + boundary + "\r\nContent-Disposition: form-data; name=\"name\"\r\n\r\nr2\r\n"
                + "--" + boundary + "\r\nContent-Disposition: form-data; name=\"paths[1]\"\r\n\r\n/m\r\n"
                + "--" + boundary + "\r\nContent-Disposition: form-data; name=\"service[id]\"\r\n\r\n" + sid + "\r\n"
                + "--" + boundary + "--\r\n";
        Map<String, Object> m = expect(201, send("POST", "/routes", "multipart/form-data; boundary=" + boundary, multipart));
        assertEquals(List.of("/m"), m.get("paths"));
        assertEquals(Map.of("id", sid), m.get("service"));

        Map<String, Object> unresolved = expect(400, json("POST", "/routes", "{'methods':['GET'],'service':{'name':'ghost'}}"));
        assertEquals(13, unresolved.get("code"));
        assertEquals("foreign key unresolved (service.name: the foreign key cannot be resolved with '{name=\"ghost\"}' for an existing "
                + "'services' entity)", unresolved.get("message"));
        String ghost = UUID.randomUUID().toString();
        Map<String, Object> fk = expect(400, json("POST", "/routes", "{'methods':['GET'],'service':{'id':'" + ghost + "'}}"));
        assertEquals(Map.of("code", 4, "name", "foreign key violation",
                "message", "the foreign key '{id=\"" + ghost + "\"}' does not reference an existing 'services' entity.",
                "fields", Map.of("service", Map.of("id", ghost))), fk);
        Map<String, Object> entity = expect(400, json("POST", "/routes", "{}"));
        assertEquals(Map.of("@entity", List.of("must set one of 'methods', 'hosts', 'headers', 'paths', 'snis' when 'protocols' is 'https'")),
                entity.get("fields"));

        Map<String, Object> referenced = expect(400, send("DELETE", "/services/backend", null, null));
        assertEquals(Map.of("code", 4, "name", "foreign key violation",
                "message", "an existing 'routes' entity references this 'services' entity",
                "fields", Map.of("@referenced_by", "routes")), referenced);

        Map<String, Object> patched = expect(200, json("PATCH", "/routes/r1", "{'paths':['/c'],'service':null}"));
        assertEquals(List.of("/c"), patched.get("paths"));
        assertNull(patched.get("service"));
        assertEquals(List.of("GET", "POST"), patched.get("methods"));
        Map<String, Object> list = expect(200, get("/routes"));
        assertEquals(2, ((List<?>) list.get("data")).size());
    }

    @Test
    @SuppressWarnings("unchecked")
    void nestedServiceRoutes() throws Exception {
        String a = createService("svc-a", "");
        createService("svc-b", "");
        Map<String, Object> r = expect(201, json("POST", "/services/svc-a/routes", "{'name':'ra','paths':['/a'],'service':{'name':'svc-b'}}"));
        assertEquals(Map.of("id", a), r.get("service"));
        String rid = (String) r.get("id");
        expect(201, json("POST", "/services/svc-b/routes", "{'name':'rb','paths':['/b']}"));
        assertEquals(Map.of("message", "Not found"), expect(404, json("POST", "/services/nope/routes", "{'paths':['/x']}")));

        Map<String, Object> listA = expect(200, get("/services/svc-a/routes"));
        assertEquals(List.of(rid), ((List<Map<String, Object>>) listA.get("data")).stream().map(m -> m.get("id")).toList());
        for (int i = 0; i < 2; i++) {
            expect(201, json("POST", "/services/" + a + "/routes", "{'paths':['/n" + i + "']}"));
        }
        Map<String, Object> page = expect(200, get("/services/svc-a/routes?size=2"));
        assertTrue(((String) page.get("next")).startsWith("/services/svc-a/routes?offset="), (String) page.get("next"));
        assertFalse(((String) page.get("next")).contains("size="));

        assertEquals(rid, expect(200, get("/services/svc-a/routes/ra")).get("id"));
        expect(404, get("/services/svc-b/routes/ra"));
        expect(404, json("PATCH", "/services/svc-b/routes/ra", "{'paths':['/z']}"));
        expect(404, send("DELETE", "/services/svc-b/routes/ra", null, null));
        expect(404, json("PUT", "/services/svc-b/routes/ra", "{'paths':['/z']}"));
        assertEquals(List.of("/a2"), expect(200, json("PATCH", "/services/svc-a/routes/ra", "{'paths':['/a2']}")).get("paths"));
        Map<String, Object> put = expect(200, json("PUT", "/services/svc-b/routes/new-one", "{'paths':['/new']}"));
        assertEquals("new-one", put.get("name"));
        assertEquals(3, ((List<?>) expect(200, get("/services/svc-a/routes")).get("data")).size());
        assertEquals(2, ((List<?>) expect(200, get("/services/svc-b/routes")).get("data")).size());

        // /routes/{r}/service
        assertEquals(a, expect(200, get("/routes/ra/service")).get("id"));
        assertEquals(8443, expect(200, json("PATCH", "/routes/ra/service", "{'port':8443}")).get("port"));
        assertEquals(Map.of("message", "Method not allowed"), expect(405, send("DELETE", "/routes/ra/service", null, null)));
        Map<String, Object> replaced = expect(200, json("PUT", "/routes/ra/service", "{'host':'replaced.test'}"));
        assertEquals(a, replaced.get("id"));
        assertEquals(80, replaced.get("port"));
        assertNull(replaced.get("name")); // PUT is a full replacement: the name is gone too

        Map<String, Object> orphan = expect(201, json("POST", "/routes", "{'name':'orphan','paths':['/o']}"));
        expect(404, get("/routes/orphan/service"));
        expect(404, json("PATCH", "/routes/orphan/service", "{'port':1}"));
        Map<String, Object> made = expect(200, json("PUT", "/routes/orphan/service", "{'host':'made.test'}"));
        assertEquals(Map.of("id", made.get("id")), expect(200, get("/routes/" + orphan.get("id"))).get("service"));
        Route live = holder.current().entities().routes().get(UUID.fromString((String) orphan.get("id")));
        assertEquals(UUID.fromString((String) made.get("id")), live.serviceId());

        assertEquals(204, send("DELETE", "/services/" + a + "/routes/ra", null, null).statusCode());
        assertNull(holder.current().entities().routes().get(UUID.fromString(rid)));
    }

    @Test
    void caCertificatesCrudAndTheEffectiveTlsOfAService() throws Exception {
        TestPki.Pair ca = TestPki.ca("Admin Test CA");
        String body = JSON.writeValueAsString(Map.of("cert", ca.certPem(), "tags", List.of("ca")));
        Map<String, Object> created = expect(201, send("POST", "/ca_certificates", "application/json", body));
        String id = (String) created.get("id");
        assertEquals(org.kongjava.tls.PemCodec.sha256Hex(ca.cert()), created.get("cert_digest"));
        assertEquals(409, send("POST", "/ca_certificates", "application/json", body).statusCode());
        Map<String, Object> notCa = expect(400, send("POST", "/ca_certificates", "application/json",
                JSON.writeValueAsString(Map.of("cert", TestPki.selfSigned("leaf.test", true).certPem()))));
        assertEquals("schema violation (certificate does not appear to be a CA because it is missing the \"CA\" basic"
                + " constraint)", notCa.get("message"));
        assertEquals(id, expect(200, get("/ca_certificates/" + id)).get("id"));

        String svc = createService("tls-effective", ",'protocol':'https','tls_verify':true,'ca_certificates':['" + id + "']");
        Map<String, Object> tls = expect(200, get("/services/" + svc + "/tls"));
        assertEquals(true, tls.get("tls"));
        assertEquals(true, tls.get("verify"));
        assertEquals("service", tls.get("verify_source"));
        assertEquals(List.of(id), ((Map<?, ?>) tls.get("trust")).get("ca_certificates"));
        assertEquals(false, expect(200, get("/services/" + createService("tls-plain", "") + "/tls")).get("tls"));

        Map<String, Object> inUse = expect(400, send("DELETE", "/ca_certificates/" + id, null, null));
        assertEquals(19, inUse.get("code"));
        expect(200, json("PATCH", "/services/" + svc, "{'ca_certificates':null,'tls_verify':null}"));
        assertEquals(204, send("DELETE", "/ca_certificates/" + id, null, null).statusCode());
        assertEquals(404, get("/ca_certificates/" + id).statusCode());
    }
}
