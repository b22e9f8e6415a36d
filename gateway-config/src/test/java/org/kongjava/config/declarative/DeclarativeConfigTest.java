package org.kongjava.config.declarative;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
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
import org.kongjava.config.model.Target;
import org.kongjava.config.model.Upstream;
import org.kongjava.config.schema.CertificateSchema;
import org.kongjava.config.schema.EntityException;
import org.kongjava.config.schema.SniSchema;
import org.kongjava.config.schema.TargetSchema;
import org.kongjava.config.schema.UpstreamSchema;

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
                ca_certificates:
                - cert: x
                consumers:
                - username: u
                  keyauth_credentials: [{key: a}, {key: b}]
                services:
                - name: s
                  host: s.example
                  plugins: [{name: cors}]
                """);
        assertEquals(1, r.entities().services().size());
        // ca_certificates are supported now: loaded (PEM unchecked without a PemChecks), not skipped.
        assertEquals(1, r.entities().caCertificates().size());
        assertEquals(List.of(new DeclarativeConfig.Skipped("consumers", "consumers", 1),
                new DeclarativeConfig.Skipped("keyauth_credentials", "consumers[].keyauth_credentials", 2),
                new DeclarativeConfig.Skipped("plugins", "services[].plugins", 1)), r.skipped());
    }

    @Test
    void ipRestrictionPluginsLoadTopLevelAndNestedOthersAreSkipped() {
        DeclarativeConfig.Result r = parse("""
                _format_version: "3.0"
                services:
                - name: db
                  url: tcp://db.example:5432
                  plugins:
                  - name: ip-restriction
                    config: {allow: [10.0.0.0/8]}
                  - name: rate-limiting
                    config: {minute: 5}
                  routes:
                  - name: pg
                    protocols: [tcp]
                    destinations: [{port: 5432}]
                    plugins:
                    - name: ip-restriction
                      config: {deny: [127.0.0.1], status: 401}
                plugins:
                - name: ip-restriction
                  instance_name: global-deny
                  config: {deny: ["::1"]}
                - name: ip-restriction
                  route: pg
                  service: db
                  config: {deny: [192.0.2.1]}
                - name: cors
                """);
        EntitySet set = r.entities();
        assertEquals(4, set.plugins().size());
        UUID route = set.routes().values().iterator().next().id();
        UUID service = set.services().values().iterator().next().id();
        assertEquals(1, set.plugins().values().stream().filter(p -> route.equals(p.routeId()) && p.serviceId() == null).count());
        assertEquals(1, set.plugins().values().stream().filter(p -> service.equals(p.serviceId()) && p.routeId() == null).count());
        assertEquals(1, set.plugins().values().stream().filter(p -> route.equals(p.routeId()) && service.equals(p.serviceId())).count());
        assertEquals(1, set.plugins().values().stream().filter(p -> "global-deny".equals(p.instanceName()) && p.isGlobal()).count());
        assertEquals(List.of(new DeclarativeConfig.Skipped("plugins", "services[].plugins", 1),
                new DeclarativeConfig.Skipped("plugins", "plugins", 1)), r.skipped());
        // A broken ip-restriction is an error like any other entity's, not a skip.
        EntityException bad = assertThrows(EntityException.class, () -> parse("""
                _format_version: "3.0"
                plugins:
                - name: ip-restriction
                  config: {status: 403}
                """));
        assertEquals(14, bad.code());
        // Two ip-restriction plugins in one scope (here: nested in the route and naming it at top level).
        EntityException twice = assertThrows(EntityException.class, () -> parse("""
                _format_version: "3.0"
                routes:
                - name: r
                  paths: [/]
                  plugins: [{name: ip-restriction, config: {deny: [10.0.0.1]}}]
                plugins:
                - {name: ip-restriction, route: r, config: {deny: [10.0.0.2]}}
                """));
        assertEquals(14, twice.code());
        assertTrue(twice.getMessage().contains("uniqueness violation: 'plugins' entity with primary key"), twice.getMessage());
    }

    @Test
    void certificatesWithNestedAndFlatSnis() {
        DeclarativeConfig.Result r = parse("""
                _format_version: "3.0"
                certificates:
                - id: 11111111-2222-4333-8444-555555555555
                  cert: c1
                  key: k1
                  snis: [{name: a.example}, {name: "*.b.example", tags: [t]}]
                - cert: c2
                  key: k2
                snis:
                - name: c.example
                  certificate: 11111111-2222-4333-8444-555555555555
                """);
        EntitySet set = r.entities();
        assertEquals(List.of(), r.skipped());
        assertEquals(2, set.certificates().size());
        UUID c1 = UUID.fromString("11111111-2222-4333-8444-555555555555");
        assertEquals(List.of("*.b.example", "a.example", "c.example"), CertificateSchema.sniNames(set, c1));
        assertEquals(3, set.snis().size()); // nested SNIs are not created twice through the snis shorthand
        assertEquals(Uuid5.forEntity("snis", "a.example"), SniSchema.INSTANCE.find(set, "a.example").id());
        assertEquals(List.of("t"), SniSchema.INSTANCE.find(set, "*.b.example").tags());
        UUID c2 = set.certificates().keySet().stream().filter(id -> !id.equals(c1)).findFirst().orElseThrow();
        assertEquals("c2", set.certificates().get(c2).cert());
        assertEquals(List.of(), CertificateSchema.sniNames(set, c2));

        Map<String, Object> exported = DeclarativeConfig.export(set);
        assertFalse(exported.containsKey("snis"));
        @SuppressWarnings("unchecked")
        List<Map<String, Object>> certs = (List<Map<String, Object>>) exported.get("certificates");
        Map<String, Object> first = certs.stream().filter(c -> c.get("id").equals(c1.toString())).findFirst().orElseThrow();
        @SuppressWarnings("unchecked")
        List<Map<String, Object>> snis = (List<Map<String, Object>>) first.get("snis");
        assertEquals(3, snis.size());
        assertTrue(snis.stream().noneMatch(m -> m.containsKey("certificate")));

        // A reference to an unknown certificate, a duplicated SNI name, and a nested SNI naming its certificate.
        EntityException e = invalid("""
                _format_version: "3.0"
                certificates:
                - cert: c1
                  key: k1
                  snis: [{name: a.example}, {name: x.example, certificate: 11111111-2222-4333-8444-555555555555}]
                """);
        assertEquals("{certificates=[{snis=[null, {certificate=value must be null}]}]}", String.valueOf(e.fields()));
        e = invalid("""
                _format_version: "3.0"
                certificates:
                - cert: c1
                  key: k1
                  snis: [{name: a.example}, {name: a.example}]
                snis:
                - name: z.example
                  certificate: 11111111-2222-4333-8444-555555555555
                """);
        String fields = String.valueOf(e.fields());
        assertTrue(fields.contains("invalid reference 'certificate: 11111111-2222-4333-8444-555555555555' (no such entry in 'certificates')"), fields);
        assertTrue(fields.contains("uniqueness violation: 'snis' entity with name set to 'a.example' already declared"), fields);
    }

    @Test
    void upstreamsWithNestedAndFlatTargets() {
        DeclarativeConfig.Result r = parse("""
                _format_version: "3.0"
                upstreams:
                - name: billing.internal
                  algorithm: least-connections
                  targets:
                  - target: 10.0.0.11:8080
                  - target: 10.0.0.12
                    weight: 50
                - name: other
                  id: 9f0e0d4c-1111-4222-8333-444455556666
                targets:
                - target: 10.0.0.13:8080
                  upstream: billing.internal
                - target: 10.0.0.11:8080
                  upstream: 9f0e0d4c-1111-4222-8333-444455556666
                  tags: [flat]
                """);
        EntitySet set = r.entities();
        assertEquals(List.of(), r.skipped());
        UUID billing = Uuid5.forEntity("upstreams", "billing.internal");
        UUID other = UUID.fromString("9f0e0d4c-1111-4222-8333-444455556666");
        assertEquals(Upstream.Algorithm.LEAST_CONNECTIONS, set.upstreams().get(billing).algorithm());
        assertEquals(2, set.upstreams().size());
        assertEquals(4, set.targets().size());
        // Kong's ids for targets: the endpoint key composed with the parent (its id when nested, the reference as written when flat).
        Target nested = set.targets().get(Uuid5.forEntity("targets", "10.0.0.11:8080:" + billing));
        assertEquals(billing, nested.upstreamId());
        Target defaulted = set.targets().get(Uuid5.forEntity("targets", "10.0.0.12:" + billing));
        assertEquals("10.0.0.12:8000", defaulted.target());
        assertEquals(50, defaulted.weight());
        Target byName = set.targets().get(Uuid5.forEntity("targets", "10.0.0.13:8080:billing.internal"));
        assertEquals(billing, byName.upstreamId());
        Target byId = set.targets().get(Uuid5.forEntity("targets", "10.0.0.11:8080:" + other));
        assertEquals(other, byId.upstreamId());
        assertEquals(List.of("flat"), byId.tags());
        // Ids are stable across loads.
        assertEquals(set.targets().keySet(), parse(DeclarativeConfig.exportYaml(set)).entities().targets().keySet());
    }

    @Test
    void targetProblems() {
        EntityException dup = invalid("""
                _format_version: "3.0"
                upstreams:
                - name: u
                  targets: [{target: 10.0.0.1}, {target: "10.0.0.1:8000", id: 11111111-2222-4333-8444-555555555555}]
                """);
        assertEquals(Map.of("targets", Map.of("10.0.0.1:8000",
                "uniqueness violation: 'targets' entity with target set to '10.0.0.1:8000' already declared")), dup.fields());
        EntityException dangling = invalid("""
                _format_version: "3.0"
                targets:
                - target: 10.0.0.1:80
                  upstream: nowhere
                """);
        assertEquals(Map.of("targets", Map.of("10.0.0.1:80",
                "invalid reference 'upstream: nowhere' (no such entry in 'upstreams')")), dangling.fields());
        EntityException doubleParent = invalid("""
                _format_version: "3.0"
                upstreams:
                - name: u
                  targets: [{target: 10.0.0.1, upstream: u}]
                """);
        assertEquals("value must be null", ((Map<?, ?>) ((List<?>) ((Map<?, ?>) ((List<?>) doubleParent.fields()
                .get("upstreams")).get(0)).get("targets")).get(0)).get("upstream"));
        // The same target under two upstreams is fine.
        assertEquals(2, parse("""
                _format_version: "3.0"
                upstreams:
                - {name: a, targets: [{target: 10.0.0.1}]}
                - {name: b, targets: [{target: 10.0.0.1}]}
                """).entities().targets().size());
    }

    @Test
    void mergeKeepsUpstreamsAndChecksTargetsPerUpstream() {
        EntitySet base = parse("""
                _format_version: "3.0"
                services: [{name: s, host: a.example}]
                upstreams:
                - {name: a, targets: [{target: 10.0.0.1}]}
                """).entities();
        EntitySet imported = parse("""
                _format_version: "3.0"
                upstreams:
                - {name: b, targets: [{target: 10.0.0.1}]}
                """).entities();
        EntitySet merged = DeclarativeConfig.merge(base, imported, 9);
        assertEquals(9, merged.version());
        assertEquals(1, merged.services().size());
        assertEquals(2, merged.upstreams().size());
        assertEquals(2, merged.targets().size());
        // A different target id claiming 10.0.0.1:8000 under upstream a collides with the stored one.
        UUID a = Uuid5.forEntity("upstreams", "a");
        EntitySet clash = parse("""
                _format_version: "3.0"
                upstreams:
                - name: a
                  targets: [{target: 10.0.0.1, id: 11111111-2222-4333-8444-555555555555}]
                """).entities();
        EntityException e = assertThrows(EntityException.class, () -> DeclarativeConfig.merge(base, clash, 10));
        assertEquals("10.0.0.1:8000", e.fields().get("target"));
        assertEquals(Map.of("id", a.toString()), e.fields().get("upstream"));
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
            assertEquals(first.entities().upstreams(), again.entities().upstreams(), f);
            assertEquals(first.entities().targets(), again.entities().targets(), f);
            assertEquals(first.entities().certificates(), again.entities().certificates(), f);
            assertEquals(first.entities().snis(), again.entities().snis(), f);
            assertEquals(yaml, DeclarativeConfig.exportYaml(again.entities()), f);
        }
        DeclarativeConfig.Result burst = DeclarativeConfig.load(fixture("burst.yml"), 1, 1_700_000_000L);
        assertTrue(burst.entities().services().size() > 100, "burst services: " + burst.entities().services().size());
        assertTrue(burst.skipped().stream().noneMatch(s -> s.entityType().equals("upstreams")
                || s.entityType().equals("targets")), burst.skipped().toString());
        assertEquals(236, burst.entities().upstreams().size());
        assertEquals(237, burst.entities().targets().size());
        Upstream grafana = UpstreamSchema.INSTANCE.find(burst.entities(), "grafana.monitoring.svc");
        assertEquals(Uuid5.forEntity("upstreams", "grafana.monitoring.svc"), grafana.id());
        assertEquals(List.of(200, 302), grafana.healthchecks().active().healthy().httpStatuses());
        assertEquals(10000, grafana.slots());
        List<Target> gt = TargetSchema.INSTANCE.ofUpstream(burst.entities(), grafana.id());
        assertEquals(1, gt.size());
        assertEquals("100.121.148.48:3000", gt.get(0).target());
        assertEquals(100, gt.get(0).weight());
        DeclarativeConfig.Result sync4 = DeclarativeConfig.load(fixture("deck-sync-004-upstream-target.yaml"), 1, 1_700_000_000L);
        Upstream u1 = UpstreamSchema.INSTANCE.find(sync4.entities(), "upstream1");
        assertEquals(List.of("198.51.100.11:80"),
                TargetSchema.INSTANCE.ofUpstream(sync4.entities(), u1.id()).stream().map(Target::target).toList());
        assertEquals(List.of(), sync4.skipped());
        // Its route-level ip-restriction plugins load; its global prometheus plugin is skipped.
        assertEquals(List.of(new DeclarativeConfig.Skipped("plugins", "plugins", 1)), burst.skipped());
        assertTrue(burst.entities().plugins().size() > 50, "burst plugins: " + burst.entities().plugins().size());
        assertTrue(burst.entities().plugins().values().stream().allMatch(p -> p.routeId() != null
                && burst.entities().routes().containsKey(p.routeId()) && p.name().equals("ip-restriction")));
        DeclarativeConfig.Result sync23 = DeclarativeConfig.load(fixture("deck-sync-023-certificate-snis.yaml"), 1, 1_700_000_000L);
        assertEquals(List.of(), sync23.skipped());
        UUID cert23 = UUID.fromString("13c562a1-191c-4464-9b18-e5222b46035b");
        assertEquals(List.of("before"), sync23.entities().certificates().get(cert23).tags());
        assertEquals(List.of("example.com"), CertificateSchema.sniNames(sync23.entities(), cert23));
        DeclarativeConfig.Result deck = DeclarativeConfig.load(fixture("deck-sync-002-services-routes.yaml"), 1, 1_700_000_000L);
        Route r1 = deck.entities().routes().get(UUID.fromString("87b6a97e-f3f7-4c47-857a-7464cb9e202b"));
        assertEquals(301, r1.httpsRedirectStatusCode());
        assertEquals(UUID.fromString("58076db2-28b6-423b-ba39-a797193017f7"), r1.serviceId());
        assertNotNull(deck.entities().services().get(r1.serviceId()));
    }
}
