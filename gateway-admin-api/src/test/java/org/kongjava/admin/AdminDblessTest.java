package org.kongjava.admin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.kongjava.config.conf.ListenSpec;
import org.kongjava.config.declarative.DeclarativeConfig;
import org.kongjava.config.model.EntitySet;
import org.kongjava.config.store.DeclarativeConfigStore;
import org.kongjava.config.store.MemoryConfigStore;
import org.kongjava.core.listener.ListenerManager;
import org.kongjava.core.metrics.ServerCounters;
import org.kongjava.core.snapshot.ConfigWriter;
import org.kongjava.core.snapshot.SnapshotCompiler;
import org.kongjava.core.snapshot.SnapshotHolder;
import org.kongjava.core.testing.LeakCheck;
import org.kongjava.core.transport.EventLoops;

/** DB-less mode ({@code database = off}): {@code /config} and the refusal of every other write. */
@ExtendWith(LeakCheck.class)
class AdminDblessTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static EventLoops loops;
    private static ListenerManager listeners;
    private static ConfigWriter writer;
    private static ConfigWriter dbWriter;
    private static URI base;
    private static URI dbBase;
    private static Path state;
    private static final HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    static final String YAML = """
            _format_version: "3.0"
            services:
            - name: billing
              url: http://billing.internal:8080/api
              routes:
              - name: billing-route
                paths: [/billing]
            """;

    @BeforeAll
    static void start() throws Exception {
        loops = new EventLoops(1);
        listeners = new ListenerManager(loops);
        SnapshotCompiler compiler = new SnapshotCompiler();
        state = Files.createTempDirectory("kj-dbless").resolve(DeclarativeConfigStore.STATE_FILE);
        SnapshotHolder holder = new SnapshotHolder(compiler.compile(EntitySet.EMPTY));
        writer = new ConfigWriter(holder, compiler, new DeclarativeConfigStore(null, null, state));
        base = URI.create("http://127.0.0.1:" + listeners.bind(ListenSpec.plain("admin_listen", "127.0.0.1", 0),
                new AdminServer(context(writer, holder))).localAddress().getPort());
        SnapshotHolder h2 = new SnapshotHolder(compiler.compile(EntitySet.EMPTY));
        dbWriter = new ConfigWriter(h2, compiler, new MemoryConfigStore());
        dbBase = URI.create("http://127.0.0.1:" + listeners.bind(ListenSpec.plain("admin_listen", "127.0.0.1", 0),
                new AdminServer(context(dbWriter, h2))).localAddress().getPort());
    }

    private static AdminContext context(ConfigWriter w, SnapshotHolder h) {
        return new AdminContext(w, h, new ServerCounters(), "3f5a6b1c-0000-4000-8000-000000000001", "test-host", Map.of(),
                "3.10.0", "test", 1 << 20, AdminContext.DEFAULT_HEADERS);
    }

    @AfterAll
    static void stop() {
        listeners.close();
        writer.close();
        dbWriter.close();
        loops.close();
    }

    private static HttpResponse<String> send(URI to, String method, String path, String type, String body) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(to.resolve(path)).timeout(Duration.ofSeconds(10))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        if (type != null) {
            b.header("Content-Type", type);
        }
        return client.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> expect(int status, HttpResponse<String> r) throws Exception {
        assertEquals(status, r.statusCode(), () -> "body: " + r.body());
        return r.body().isEmpty() ? Map.of() : JSON.readValue(r.body(), LinkedHashMap.class);
    }

    @Test
    @SuppressWarnings("unchecked")
    void postConfigReplacesEverythingAtomically() throws Exception {
        Map<String, Object> created = expect(201, send(base, "POST", "/config", "application/yaml", YAML));
        Map<String, Object> services = (Map<String, Object>) created.get("services");
        assertEquals(1, services.size());
        assertEquals("billing", ((Map<String, Object>) services.values().iterator().next()).get("name"));
        assertEquals(1, ((Map<?, ?>) created.get("routes")).size());
        assertEquals(1, ((List<?>) expect(200, send(base, "GET", "/routes", null, null)).get("data")).size());

        Map<String, Object> status = expect(200, send(base, "GET", "/status", null, null));
        assertEquals(DeclarativeConfig.md5(YAML), status.get("configuration_hash"));
        assertFalse(status.containsKey("database"));
        assertEquals(304, send(base, "POST", "/config?check_hash=1", "text/yaml", YAML).statusCode());

        // A bad file: Kong's code 14 body naming the entity and field, and nothing applied.
        Map<String, Object> err = expect(400, send(base, "POST", "/config", "application/yaml", """
                _format_version: "3.0"
                services:
                - name: other
                  host: other.example
                - name: broken
                  port: 70000
                """));
        assertEquals(14, err.get("code"));
        assertEquals("invalid declarative configuration", err.get("name"));
        List<?> list = (List<?>) ((Map<?, ?>) err.get("fields")).get("services");
        assertEquals(null, list.get(0));
        assertEquals("value should be between 0 and 65535", ((Map<?, ?>) list.get(1)).get("port"));
        assertEquals("billing", ((Map<?, ?>) ((List<?>) expect(200, send(base, "GET", "/services", null, null)).get("data")).get(0)).get("name"));

        // The export form comes back from GET /config, and the state file survives a restart.
        String exported = (String) expect(200, send(base, "GET", "/config", null, null)).get("config");
        assertTrue(exported.contains("_format_version: '3.0'") || exported.contains("_format_version: \"3.0\""), exported);
        assertTrue(exported.contains("name: billing-route"), exported);
        DeclarativeConfigStore again = new DeclarativeConfigStore(null, null, state);
        assertEquals(1, again.load().routes().size());
        assertEquals(DeclarativeConfig.md5(YAML), again.hash());

        // A JSON object and a form field are accepted too; an empty body is not.
        Map<String, Object> doc = Map.of("_format_version", "3.0", "services", List.of(Map.of("name", "j", "host", "j.example")));
        expect(201, send(base, "POST", "/config", "application/json", JSON.writeValueAsString(doc)));
        assertEquals("j", ((Map<?, ?>) ((List<?>) expect(200, send(base, "GET", "/services", null, null)).get("data")).get(0)).get("name"));
        expect(201, send(base, "POST", "/config", "application/x-www-form-urlencoded",
                "config=" + URLEncoder.encode(YAML, StandardCharsets.UTF_8)));
        assertEquals(Map.of("message", "expected a declarative configuration"), expect(400, send(base, "POST", "/config", null, null)));
    }

    @Test
    @SuppressWarnings("unchecked")
    void flattenErrorsListsEachInvalidEntity() throws Exception {
        Map<String, Object> err = expect(400, send(base, "POST", "/config?flatten_errors=1", "application/yaml", """
                _format_version: "3.0"
                services:
                - name: s
                  host: s.example
                  tags: [t1]
                  routes:
                  - name: r
                    paths: [nope]
                """));
        List<Map<String, Object>> flat = (List<Map<String, Object>>) err.get("flattened_errors");
        assertEquals(1, flat.size(), flat.toString());
        Map<String, Object> item = flat.get(0);
        assertEquals("route", item.get("entity_type"));
        assertEquals("r", item.get("entity_name"));
        assertEquals("field", ((Map<?, ?>) ((List<?>) item.get("errors")).get(0)).get("type"));
        assertEquals("paths.1", ((Map<?, ?>) ((List<?>) item.get("errors")).get(0)).get("field"));
        assertFalse(((Map<?, ?>) item.get("entity")).containsKey("routes"));
        assertFalse(expect(400, send(base, "POST", "/config", "application/yaml", "_format_version: \"3.0\"\nservices: [{port: 1}]"))
                .containsKey("flattened_errors"));
    }

    @Test
    void otherWritesAreRefusedWithKongsError() throws Exception {
        expect(201, send(base, "POST", "/config", "application/yaml", YAML));
        assertEquals(Map.of("code", 12, "name", "operation unsupported",
                        "message", "cannot create 'services' entities when not using a database"),
                expect(405, send(base, "POST", "/services", "application/json", "{\"host\":\"x.example\"}")));
        assertEquals("cannot create or update 'routes' entities when not using a database",
                expect(405, send(base, "PUT", "/routes/x", "application/json", "{\"paths\":[\"/x\"]}")).get("message"));
        assertEquals("cannot update 'services' entities when not using a database",
                expect(405, send(base, "PATCH", "/services/billing", "application/json", "{\"retries\":1}")).get("message"));
        assertEquals("cannot remove 'services' entities when not using a database",
                expect(405, send(base, "DELETE", "/services/billing", null, null)).get("message"));
        assertEquals(204, send(base, "DELETE", "/services/nothing-here", null, null).statusCode());
        assertEquals("cannot create 'routes' entities when not using a database",
                expect(405, send(base, "POST", "/services/billing/routes", "application/json", "{\"paths\":[\"/y\"]}")).get("message"));
        assertEquals(1, ((List<?>) expect(200, send(base, "GET", "/services", null, null)).get("data")).size());
    }

    @Test
    void withADatabaseTheConfigEndpointIsRefused() throws Exception {
        String msg = "this endpoint is only available when Kong is configured to not use a database";
        assertEquals(Map.of("message", msg), expect(400, send(dbBase, "GET", "/config", null, null)));
        assertEquals(Map.of("message", msg), expect(400, send(dbBase, "POST", "/config", "application/yaml", YAML)));
        Map<String, Object> status = expect(200, send(dbBase, "GET", "/status", null, null));
        assertEquals(Map.of("reachable", true), status.get("database"));
        assertFalse(status.containsKey("configuration_hash"));
    }
}
