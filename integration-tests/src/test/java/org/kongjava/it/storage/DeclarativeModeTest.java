package org.kongjava.it.storage;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** DB-less start, {@code POST /config}, and the {@code config} commands with Kong's real fixture files. */
class DeclarativeModeTest {
    static final List<String> FIXTURES = List.of("burst.yml", "deck-sync-002-services-routes.yaml",
            "deck-sync-004-upstream-target.yaml", "deck-sync-023-certificate-snis.yaml", "deck-reset-001-ca-certificate.yaml");

    @TempDir
    Path dir;

    static Path fixture(String name) {
        // Kong's real files, beside the repository in ../shared/fixtures/kong
        return Gateway.home().resolve("../shared/fixtures/kong").normalize().resolve(name);
    }

    @Test
    void dblessStartPostConfigAndRefusedWrites() throws Exception {
        Path prefix = dir.resolve("p");
        String conf = "database = off\ndeclarative_config = " + fixture("deck-sync-002-services-routes.yaml") + "\n";
        try (Gateway g = Gateway.start(prefix, conf)) {
            Map<?, ?> svc = Gateway.JSON.readValue(g.call("GET", "/services/svc1", null).body(), Map.class);
            assertEquals("58076db2-28b6-423b-ba39-a797193017f7", svc.get("id"));
            HttpResponse<String> r = Gateway.CLIENT.send(HttpRequest.newBuilder(g.admin.resolve("/config"))
                    .header("Content-Type", "application/yaml")
                    .POST(HttpRequest.BodyPublishers.ofFile(fixture("burst.yml"))).build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(201, r.statusCode(), r.body());
            assertEquals(404, g.call("GET", "/services/svc1", null).statusCode());
            HttpResponse<String> bad = g.call("POST", "/config", "{\"_format_version\":\"3.0\",\"services\":[{\"name\":\"x\",\"port\":99999}]}");
            assertEquals(400, bad.statusCode());
            assertTrue(bad.body().contains("\"port\":\"value should be between 0 and 65535\""), bad.body());
            assertEquals(405, g.post("/services", Map.of("host", "a.example")).statusCode());
            Map<?, ?> status = Gateway.JSON.readValue(g.call("GET", "/status", null).body(), Map.class);
            assertEquals(32, ((String) status.get("configuration_hash")).length());
        }
    }

    @Test
    void fixturesParseImportExportAndReimportToTheSameConfiguration() throws Exception {
        // (every fixture is also parsed, exported and re-imported in-process by DeclarativeConfigTest)
        Map.Entry<Integer, String> parse = Gateway.cli(dir, "config", "parse", fixture("burst.yml").toString());
        assertEquals(0, parse.getKey(), parse.getValue());
        assertTrue(parse.getValue().contains("parse successful"), parse.getValue());
        assertTrue(parse.getValue().contains("skipped") && parse.getValue().contains("plugins"),
                "unsupported entity types are reported: " + parse.getValue());
        assertTrue(parse.getValue().contains("upstreams: 236, targets: 237"), "upstreams and targets are loaded: " + parse.getValue());
        Path a = dir.resolve("a");
        Path b = dir.resolve("b");
        Path confA = Gateway.writeConf(a, "");
        Path confB = Gateway.writeConf(b, "");
        for (String f : FIXTURES) {
            Map.Entry<Integer, String> imp = Gateway.cli(dir, "config", "db_import", fixture(f).toString(), "-c", confA.toString(), "-p", a.toString());
            assertEquals(0, imp.getKey(), imp.getValue());
        }
        Path exportA = dir.resolve("a.yml");
        assertEquals(0, Gateway.cli(dir, "config", "db_export", exportA.toString(), "-c", confA.toString(), "-p", a.toString()).getKey());
        Map.Entry<Integer, String> imp = Gateway.cli(dir, "config", "db_import", exportA.toString(), "-c", confB.toString(), "-p", b.toString());
        assertEquals(0, imp.getKey(), imp.getValue());
        Path exportB = dir.resolve("b.yml");
        assertEquals(0, Gateway.cli(dir, "config", "db_export", exportB.toString(), "-c", confB.toString(), "-p", b.toString()).getKey());
        assertEquals(Files.readString(exportA), Files.readString(exportB));
        assertTrue(Files.readString(exportA).contains("58076db2-28b6-423b-ba39-a797193017f7"));
        // Upstreams and targets went through the store and back: burst's and deck-sync-004's.
        assertTrue(Files.readString(exportA).contains("name: upstream1"), "exported upstream");
        assertTrue(Files.readString(exportA).contains("target: 198.51.100.11:80"), "exported target");
        assertTrue(Files.readString(exportA).contains("target: 100.121.148.48:3000"), "exported burst target");
        Map.Entry<Integer, String> again = Gateway.cli(dir, "config", "db_export", exportB.toString(), "-c", confB.toString(), "-p", b.toString());
        assertEquals(1, again.getKey(), "never overwrites");
    }

    @Test
    void aMalformedFileIsRefusedNamingEntityAndField() throws Exception {
        Path bad = dir.resolve("bad.yml");
        Files.writeString(bad, """
                _format_version: "3.0"
                services:
                - name: ok
                  host: ok.example
                  routes:
                  - name: r
                    paths: [no-slash]
                """);
        Map.Entry<Integer, String> r = Gateway.cli(dir, "config", "parse", bad.toString());
        assertEquals(1, r.getKey());
        assertTrue(r.getValue().contains("services[1].routes[1].paths"), r.getValue());
    }
}
