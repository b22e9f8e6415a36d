package org.kongjava.config.declarative;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.kongjava.config.model.EntitySet;
import org.kongjava.config.model.Route;
import org.kongjava.config.model.Service;
import org.kongjava.config.schema.EntityException;

class DeclarativeConfigTest {
    /** Kong's real declarative files, from ../shared/fixtures/kong. */
    static Path fixture(String name) throws Exception {
        return org.kongjava.config.KongFixtures.file(name);
    }

    private static DeclarativeConfig.Result parse(String yaml) {
        return DeclarativeConfig.parse(yaml, DeclarativeConfig.Syntax.YAML, 7, 1_700_000_000L);
    }

    private static EntityException invalid(String yaml) {
        return assertThrows(EntityException.class, () -> parse(yaml));
    }

    @Test
    void kongsVerifiedUuidV5Ids() {
        assertEquals("0855b320-0dd2-547d-891d-601e9b38647f", Uuid5.forEntity("services", "my-service").toString());
        assertEquals("481a9539-f49c-51b6-b2e2-fe99ee68866c", Uuid5.forEntity("routes", "my-route").toString());
        assertEquals("4b1b701d-de2b-5588-9aa2-3b97061d9f52", Uuid5.forEntity("consumers", "my-user").toString());
    }

    @Test
    void nestedAndFlatEntitiesWithReferencesByName() {
        DeclarativeConfig.Result r = parse("""
                _format_version: "3.0"
                _comment: anything
                services:
                - name: my-service
                  url: http://billing.internal:8080/api
                  tags: [a, b]
                  routes:
                  - name: my-route
                    paths: [/billing]
                routes:
                - name: flat
                  service: my-service
                  hosts: [admin.example.com]
                - name: by-id
                  service: 0855b320-0dd2-547d-891d-601e9b38647f
                  paths: [/x]
                """);
        EntitySet set = r.entities();
        assertEquals(7, set.version());
        UUID sid = UUID.fromString("0855b320-0dd2-547d-891d-601e9b38647f");
        Service s = set.services().get(sid);
        assertEquals("billing.internal", s.host());
        assertEquals(8080, s.port());
        assertEquals("/api", s.path());
        assertEquals(List.of("a", "b"), s.tags());
        Route nested = set.routes().get(UUID.fromString("481a9539-f49c-51b6-b2e2-fe99ee68866c"));
        assertEquals(sid, nested.serviceId());
        assertEquals(3, set.routes().size());
        assertTrue(set.routes().values().stream().allMatch(x -> sid.equals(x.serviceId())));
        assertEquals(DeclarativeConfig.md5("""
                _format_version: "3.0"
                """), DeclarativeConfig.md5("_format_version: \"3.0\"\n"));
        assertEquals(32, r.hash().length());
    }

    @Test
    void schemaErrorsAreByPositionAndNestedUnderTheParent() {
        EntityException e = invalid("""
                _format_version: "3.0"
                services:
                - name: ok
                  host: example.com
                - port: -12
                - name: parent
                  host: example.com
                  routes:
                  - name: good
                    paths: [/a]
                  - name: bad
                    paths: [nope]
                """);
        assertEquals(14, e.code());
        Map<String, Object> f = e.fields();
        List<?> services = (List<?>) f.get("services");
        assertNull(services.get(0));
        assertEquals(Map.of("host", "required field missing", "port", "value should be between 0 and 65535"), services.get(1));
        Map<?, ?> parent = (Map<?, ?>) services.get(2);
        List<?> routes = (List<?>) parent.get("routes");
        assertNull(routes.get(0));
        assertTrue(((Map<?, ?>) routes.get(1)).containsKey("paths"), routes.toString());
        assertTrue(e.getMessage().startsWith("declarative config is invalid: {services={"), e.getMessage());
    }

    @Test
    void kongsExampleMessage() {
        EntityException e = invalid("""
                _format_version: "3.0"
                services: [{port: -12}]
                """);
        assertEquals("declarative config is invalid: {services={{host=\"required field missing\",port=\"value should be between 0 and 65535\"}}}",
                e.getMessage());
    }

    @Test
    void referencesAndUniqueness() {
        EntityException e = invalid("""
                _format_version: "3.0"
                routes:
                - name: r
                  service: svc1
                  paths: [/]
                """);
        assertEquals(Map.of("routes", Map.of("r", "invalid reference 'service: svc1' (no such entry in 'services')")), e.fields());
        e = invalid("""
                _format_version: "3.0"
                services:
                - {name: foo, host: a.example}
                - {name: foo, host: b.example}
                """);
        assertEquals(Map.of("services", Map.of("foo", "uniqueness violation: 'services' entity with name set to 'foo' already declared")),
                e.fields());
    }

    @Test
    void nestedChildMayNotNameItsParent() {
        EntityException e = invalid("""
                _format_version: "3.0"
                services:
                - name: a
                  host: a.example
                  routes:
                  - {name: r, paths: [/], service: a}
                """);
        assertEquals("value must be null", ((Map<?, ?>) ((List<?>) ((Map<?, ?>) ((List<?>) e.fields().get("services")).get(0)).get("routes")).get(0)).get("service"));
    }

    @Test
    void topLevelProblems() {
        assertEquals(Map.of("_format_version", "required field missing"), invalid("services: []").fields());
        assertEquals(Map.of("_format_version", "expected one of: 1.1, 2.1, 3.0"), invalid("_format_version: '4.0'").fields());
        assertEquals(Map.of("nonsense", "unknown field"), invalid("_format_version: '3.0'\nnonsense: 1").fields());
        assertEquals(Map.of("error", "failed parsing declarative configuration: expected an object"), invalid("- 1").fields());
        assertTrue(((String) invalid("{{{").fields().get("error")).startsWith("failed parsing declarative configuration: "));
    }

    @Test
    void unsupportedEntityTypesAreSkippedAndReported() {
        DeclarativeConfig.Result r = parse("""
                _format_version: "3.0"
                upstreams:
                - name: u
                  targets: [{target: 1.2.3.4:80}, {target: 1.2.3.5:80}]
                services:
                - name: s
                  host: s.example
                  plugins: [{name: cors}]
                """);
        assertEquals(1, r.entities().services().size());
        assertEquals(List.of(new DeclarativeConfig.Skipped("upstreams", "upstreams", 1),
                new DeclarativeConfig.Skipped("targets", "upstreams[].targets", 2),
                new DeclarativeConfig.Skipped("plugins", "services[].plugins", 1)), r.skipped());
    }

    @Test
    void oldFormatsMigratePaths() {
        assertEquals("/a/b", DeclarativeConfig.migratePath("/a//b"));
        assertEquals("~/users/\\d+", DeclarativeConfig.migratePath("/users/\\d+"));
        assertEquals("/a.b%2F", DeclarativeConfig.migratePath("/a%2eb%2f"));
        assertEquals("~/a\\.b%2F\\d+", DeclarativeConfig.migratePath("/a%2eb%2f\\d+"));
        Route r = parse("""
                _format_version: "1.1"
                routes:
                - name: r
                  paths: ["/v1/(x|y)", "/plain"]
                """).entities().routes().values().iterator().next();
        assertEquals(List.of("~/v1/(x|y)", "/plain"), r.paths());
    }

    @Test
    void exportReimportsToTheSameSet() throws Exception {
        for (String f : List.of("burst.yml", "deck-sync-002-services-routes.yaml", "deck-reset-001-ca-certificate.yaml",
                "deck-sync-004-upstream-target.yaml", "deck-sync-023-certificate-snis.yaml")) {
            DeclarativeConfig.Result first = DeclarativeConfig.load(fixture(f), 3, 1_700_000_000L);
            String yaml = DeclarativeConfig.exportYaml(first.entities());
            DeclarativeConfig.Result again = DeclarativeConfig.parse(yaml, DeclarativeConfig.Syntax.YAML, 3, 1_800_000_000L);
            assertEquals(first.entities().services(), again.entities().services(), f);
            assertEquals(first.entities().routes(), again.entities().routes(), f);
            assertEquals(yaml, DeclarativeConfig.exportYaml(again.entities()), f);
        }
        DeclarativeConfig.Result burst = DeclarativeConfig.load(fixture("burst.yml"), 1, 1_700_000_000L);
        assertTrue(burst.entities().services().size() > 100, "burst services: " + burst.entities().services().size());
        assertTrue(burst.skipped().stream().anyMatch(s -> s.entityType().equals("upstreams")), burst.skipped().toString());
        assertTrue(burst.skipped().stream().anyMatch(s -> s.location().equals("services[].routes[].plugins")), burst.skipped().toString());
        DeclarativeConfig.Result deck = DeclarativeConfig.load(fixture("deck-sync-002-services-routes.yaml"), 1, 1_700_000_000L);
        Route r1 = deck.entities().routes().get(UUID.fromString("87b6a97e-f3f7-4c47-857a-7464cb9e202b"));
        assertEquals(301, r1.httpsRedirectStatusCode());
        assertEquals(UUID.fromString("58076db2-28b6-423b-ba39-a797193017f7"), r1.serviceId());
        assertNotNull(deck.entities().services().get(r1.serviceId()));
    }
}
