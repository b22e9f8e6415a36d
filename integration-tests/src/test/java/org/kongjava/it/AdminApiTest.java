package org.kongjava.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.kongjava.it.support.Admin;
import org.kongjava.it.support.Gateway;

/** The Admin API over real HTTP: the parts every Kong script relies on (shapes, pagination, errors). */
class AdminApiTest {

    static Gateway gw;
    static Admin admin;

    @BeforeAll
    static void start() {
        gw = Gateway.start();
        admin = gw.admin();
    }

    @AfterAll
    static void stop() {
        gw.close();
    }

    @Test
    void urlShorthandAndDefaults() {
        JsonNode s = admin.create("/services", Map.of("name", "short", "url", "https://example.test/base"));
        assertEquals("https", s.path("protocol").asText());
        assertEquals("example.test", s.path("host").asText());
        assertEquals(443, s.path("port").asInt());
        assertEquals("/base", s.path("path").asText());
        assertEquals(5, s.path("retries").asInt());
        assertEquals(60000, s.path("read_timeout").asInt());
        assertTrue(s.path("id").asText().matches("[0-9a-f-]{36}"), s::toString);
        assertTrue(s.has("tags") && s.path("tags").isNull(), "unset fields are returned as null: " + s);
        assertFalse(s.has("url"), "url is write-only");
        assertTrue(admin.get("/services/short").expect(200).json().path("id").asText().equals(s.path("id").asText()));
        assertEquals("application/json; charset=utf-8", admin.get("/services/short").headers()
                .firstValue("content-type").orElse(""));
    }

    @Test
    void schemaViolationBody() {
        Admin.Response r = admin.post("/services", Map.of("url", "invalid url"));
        assertEquals(400, r.status(), r::toString);
        JsonNode b = r.json();
        assertEquals(2, b.path("code").asInt());
        assertEquals("schema violation", b.path("name").asText());
        assertEquals("2 schema violations (host: required field missing; path: should start with: /)",
                b.path("message").asText());
        assertEquals("required field missing", b.path("fields").path("host").asText());
    }

    @Test
    void uniqueViolationNotFoundAndMethodNotAllowed() {
        admin.create("/services", Map.of("name", "dup", "url", "http://127.0.0.1:9"));
        Admin.Response dup = admin.post("/services", Map.of("name", "dup", "url", "http://127.0.0.1:9"));
        assertEquals(409, dup.status(), dup::toString);
        assertEquals(5, dup.json().path("code").asInt());
        assertEquals("UNIQUE violation detected on '{name=\"dup\"}'", dup.json().path("message").asText());
        Admin.Response missing = admin.get("/services/nope");
        assertEquals(404, missing.status());
        assertEquals("Not found", missing.json().path("message").asText());
        assertEquals(204, admin.delete("/services/nope").status(), "DELETE of a missing entity is 204");
        assertEquals(405, admin.send("DELETE", "/services", null).status());
        assertEquals(404, admin.get("/no-such-endpoint").status());
    }

    @Test
    void nestedRoutesAndRestrictedDelete() {
        JsonNode svc = admin.create("/services", Map.of("name", "parent", "url", "http://127.0.0.1:9"));
        JsonNode other = admin.create("/services", Map.of("name", "other-parent", "url", "http://127.0.0.1:9"));
        JsonNode route = admin.create("/services/parent/routes", Map.of("name", "child", "paths", List.of("/child")));
        assertEquals(svc.path("id").asText(), route.path("service").path("id").asText());
        assertEquals(200, admin.get("/services/parent/routes/child").status());
        assertEquals(404, admin.get("/services/other-parent/routes/child").status(), "not that service's route");
        assertEquals(other.path("id").asText(), admin.create("/services/other-parent/routes",
                Map.of("paths", List.of("/x"))).path("service").path("id").asText());
        Admin.Response del = admin.delete("/services/parent");
        assertEquals(400, del.status(), "a service with routes cannot be deleted: " + del);
        assertEquals(4, del.json().path("code").asInt(), del::toString);
        assertEquals(200, admin.get("/routes/child/service").status());
    }

    @Test
    void paginationVisitsEveryEntityOnce() {
        admin.create("/services", Map.of("name", "pages", "url", "http://127.0.0.1:9"));
        for (int i = 0; i < 25; i++) {
            admin.create("/services/pages/routes", Map.of("name", "page-" + i, "paths", List.of("/page-" + i),
                    "tags", List.of("paged")));
        }
        Set<String> seen = new HashSet<>();
        String next = "/routes?size=10&tags=paged";
        int pages = 0;
        while (next != null && !next.equals("null")) {
            JsonNode page = admin.get(next).expect(200).json();
            for (JsonNode r : page.path("data")) {
                assertTrue(seen.add(r.path("name").asText()), "seen twice: " + r.path("name"));
            }
            next = page.path("next").isNull() ? null : page.path("next").asText();
            pages++;
            assertTrue(pages <= 3, "25 routes in pages of 10");
        }
        assertEquals(25, seen.size());
        assertEquals(3, pages);
        Admin.Response bad = admin.get("/routes?size=0");
        assertEquals(400, bad.status(), bad::toString);
        assertEquals(9, bad.json().path("code").asInt(), bad::toString);
    }
}
