package org.kongjava.config.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.kongjava.config.model.EntitySet;
import org.kongjava.config.model.Route;
import org.kongjava.config.model.Service;
import org.kongjava.config.schema.RouteSchema;
import org.kongjava.config.schema.ServiceSchema;
import org.kongjava.config.schema.TargetSchema;
import org.kongjava.config.schema.UpstreamSchema;
import org.kongjava.config.model.Target;
import org.kongjava.config.model.Upstream;

/** What every persistent {@link ConfigStore} guarantees; one subclass per store. */
abstract class ConfigStoreContract {
    static final long NOW = 1_700_000_000L;

    /** A store on the test's database (a new instance each call, same data). */
    abstract JdbcConfigStore open() throws Exception;

    static EntitySet withService(EntitySet set, String name) {
        return ServiceSchema.INSTANCE.insert(set, Map.of("name", name, "host", name + ".example", "tags", List.of("t")), NOW).next();
    }

    static EntitySet withRoute(EntitySet set, String name, String service) {
        Map<String, Object> in = new LinkedHashMap<>();
        in.put("name", name);
        in.put("paths", List.of("/" + name));
        in.put("service", Map.of("name", service));
        in.put("headers", Map.of("x-v", List.of("1")));
        return RouteSchema.INSTANCE.insert(set, in, NOW).next();
    }

    @Test
    void keepsCertificatesAndTheirSnis() throws Exception {
        org.kongjava.config.schema.CertificateSchema certs =
                new org.kongjava.config.schema.CertificateSchema(org.kongjava.config.schema.CertificateSchemaTest.FAKE);
        EntitySet a;
        EntitySet b;
        UUID first;
        try (JdbcConfigStore s = open()) {
            EntitySet base = s.load();
            var w = certs.insert(base, Map.of("cert", "CERT rsa 1", "key", "KEY rsa 1",
                    "snis", List.of("a.test", "*.wild.test")), NOW);
            first = w.entity().id();
            a = certs.insert(w.next(), Map.of("cert", "CERT ec 2", "key", "KEY ec 2", "snis", List.of("b.test")), NOW).next();
            s.commit(base, a);
            // Moving names and deleting a certificate with its SNIs, in one commit.
            b = certs.update(a, first.toString(), Map.of("snis", List.of("a.test", "c.test")), NOW).next();
            var second = a.certificates().keySet().stream().filter(id -> !id.equals(first)).findFirst().orElseThrow();
            b = certs.delete(b, b.certificates().get(second));
            s.commit(a, b);
        }
        try (JdbcConfigStore s = open()) {
            EntitySet loaded = s.load();
            assertEquals(b.certificates(), loaded.certificates());
            assertEquals(b.snis(), loaded.snis());
            assertEquals(List.of("a.test", "c.test"),
                    org.kongjava.config.schema.CertificateSchema.sniNames(loaded, first));
        }
    }

    @Test
    void startsEmptyAndKeepsWhatWasCommitted() throws Exception {
        EntitySet a;
        try (JdbcConfigStore s = open()) {
            EntitySet empty = s.load();
            assertTrue(empty.services().isEmpty() && empty.routes().isEmpty());
            a = withRoute(withService(empty, "billing"), "r1", "billing");
            s.commit(empty, a);
        }
        try (JdbcConfigStore s = open()) {
            EntitySet loaded = s.load();
            assertEquals(a.version(), loaded.version());
            assertEquals(a.services(), loaded.services());
            assertEquals(a.routes(), loaded.routes());
        }
    }

    @Test
    void updatesDeletesAndRenamesInOneTransaction() throws Exception {
        try (JdbcConfigStore s = open()) {
            EntitySet base = s.load();
            EntitySet a = withService(withService(base, "one"), "two");
            s.commit(base, a);
            Service one = ServiceSchema.INSTANCE.find(a, "one");
            Service two = ServiceSchema.INSTANCE.find(a, "two");
            // Swap the two names (each UNIQUE) and add a route, all in one commit.
            EntitySet b = ServiceSchema.INSTANCE.update(a, one.id().toString(), Map.of("name", "tmp"), NOW).next();
            b = ServiceSchema.INSTANCE.update(b, two.id().toString(), Map.of("name", "one"), NOW).next();
            b = ServiceSchema.INSTANCE.update(b, one.id().toString(), Map.of("name", "two"), NOW).next();
            b = withRoute(b, "r", "one");
            s.commit(a, b);
            EntitySet c = RouteSchema.INSTANCE.delete(b, RouteSchema.INSTANCE.find(b, "r"));
            c = ServiceSchema.INSTANCE.delete(c, ServiceSchema.INSTANCE.find(c, "one"));
            s.commit(b, c);
            EntitySet loaded = open().load();
            assertEquals(c.services(), loaded.services());
            assertEquals(Map.of(), loaded.routes());
            assertEquals("two", loaded.services().get(one.id()).name());
        }
    }

    @Test
    void aFailedCommitLeavesNothingHalfWritten() throws Exception {
        try (JdbcConfigStore s = open()) {
            EntitySet base = s.load();
            EntitySet a = withService(base, "kept");
            s.commit(base, a);
            // A new service plus a route pointing at a service that does not exist: the database's
            // foreign key refuses the route, so the new service must not be stored either.
            EntitySet b = withService(a, "new");
            Route ok = RouteSchema.INSTANCE.find(withRoute(b, "dangling", "new"), "dangling");
            Route dangling = new Route(ok.id(), ok.name(), ok.protocols(), ok.methods(), ok.hosts(), ok.paths(), ok.headers(),
                    ok.snis(), ok.sources(), ok.destinations(), ok.httpsRedirectStatusCode(), ok.regexPriority(), ok.stripPath(),
                    ok.pathHandling(), ok.preserveHost(), ok.requestBuffering(), ok.responseBuffering(), UUID.randomUUID(),
                    ok.tags(), ok.createdAt(), ok.updatedAt());
            EntitySet bad = b.withRoute(dangling);
            IOException e = assertThrows(IOException.class, () -> s.commit(a, bad));
            assertFalse(e instanceof ConcurrentChangeException);
            EntitySet loaded = s.load();
            assertEquals(a.version(), loaded.version());
            assertEquals(a.services(), loaded.services());
            // The store still works after the failure.
            EntitySet c = withService(a, "later");
            s.commit(a, c);
            assertEquals(2, open().load().services().size());
        }
    }

    @Test
    void aStaleWriterIsToldTheCurrentConfiguration() throws Exception {
        try (JdbcConfigStore first = open(); JdbcConfigStore second = open()) {
            EntitySet base = first.load();
            second.load();
            EntitySet mine = withService(base, "mine");
            first.commit(base, mine);
            EntitySet theirs = withService(base, "theirs");
            ConcurrentChangeException e = assertThrows(ConcurrentChangeException.class, () -> second.commit(base, theirs));
            assertEquals(mine.version(), e.current().version());
            assertEquals(mine.services(), e.current().services());
            // Applied again on top of the current configuration, it goes through.
            EntitySet retried = withService(e.current(), "theirs");
            second.commit(e.current(), retried);
            assertEquals(2, first.load().services().size());
        }
    }

    @Test
    void anotherInstanceSeesCommitsWithinASecond() throws Exception {
        try (JdbcConfigStore writer = open(); JdbcConfigStore watcher = open()) {
            EntitySet base = writer.load();
            watcher.load();
            CompletableFuture<EntitySet> seen = new CompletableFuture<>();
            watcher.onExternalChange(seen::complete);
            Thread.sleep(300); // the watcher is connected and listening
            EntitySet next = withService(base, "shared");
            long t0 = System.nanoTime();
            writer.commit(base, next);
            EntitySet got = seen.get(5, TimeUnit.SECONDS);
            long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
            assertEquals(next.services(), got.services());
            assertEquals(next.version(), got.version());
            assertTrue(ms < 1000, "propagation took " + ms + " ms");
            assertNotNull(ServiceSchema.INSTANCE.find(got, "shared"));
            assertTrue(watcher.reachable());
        }
    }

    static EntitySet withUpstream(EntitySet set, String name) {
        Map<String, Object> in = new LinkedHashMap<>();
        in.put("name", name);
        in.put("algorithm", "least-connections");
        in.put("healthchecks", Map.of("active", Map.of("http_path", "/health",
                "healthy", Map.of("interval", 5, "http_statuses", List.of(200, 302)))));
        in.put("tags", List.of("lb"));
        return UpstreamSchema.INSTANCE.insert(set, in, NOW).next();
    }

    static EntitySet withTarget(EntitySet set, String upstream, String target) {
        Upstream u = UpstreamSchema.INSTANCE.find(set, upstream);
        return TargetSchema.INSTANCE.insert(set, Map.of("target", target, "upstream", Map.of("id", u.id().toString()),
                "weight", 40), NOW).next();
    }

    @Test
    void caCertificatesAndTheServicesListingThemSurviveARestart() throws Exception {
        var cas = org.kongjava.config.schema.CaCertificateSchema.STORED;
        String pem1 = "-----BEGIN CERTIFICATE-----\nAQIDBA==\n-----END CERTIFICATE-----\n";
        String pem2 = "-----BEGIN CERTIFICATE-----\nBQYHCA==\n-----END CERTIFICATE-----\n";
        EntitySet a;
        EntitySet b;
        UUID kept;
        try (JdbcConfigStore s = open()) {
            EntitySet base = s.load();
            var w1 = cas.insert(base, Map.of("cert", pem1, "tags", List.of("ca")), NOW);
            kept = w1.entity().id();
            var w2 = cas.insert(w1.next(), Map.of("cert", pem2), NOW);
            a = ServiceSchema.INSTANCE.insert(w2.next(), Map.of("name", "tls", "url", "https://tls.example",
                    "tls_verify", true, "ca_certificates", List.of(kept.toString())), NOW).next();
            s.commit(base, a);
            // The unused CA can go; the listed one cannot (checked by the schema before any SQL).
            b = cas.delete(a, a.caCertificates().get(w2.entity().id()));
            EntitySet fb = b;
            assertEquals(19, org.junit.jupiter.api.Assertions.assertThrows(
                    org.kongjava.config.schema.EntityException.class, () -> cas.delete(fb, fb.caCertificates().get(kept))).code());
            s.commit(a, b);
        }
        try (JdbcConfigStore s = open()) {
            EntitySet loaded = s.load();
            assertEquals(b.caCertificates(), loaded.caCertificates());
            assertEquals(List.of(kept), ServiceSchema.INSTANCE.find(loaded, "tls").caCertificates());
            assertEquals(org.kongjava.config.schema.CaCertificateSchema.digest(pem1),
                    loaded.caCertificates().get(kept).certDigest());
        }
    }

    @Test
    void pluginsSurviveARestartAndGoWithTheirRoute() throws Exception {
        var plugins = org.kongjava.config.schema.PluginSchema.INSTANCE;
        EntitySet a;
        EntitySet b;
        UUID global;
        try (JdbcConfigStore s = open()) {
            EntitySet base = s.load();
            EntitySet withRoute = ServiceSchema.INSTANCE.insert(base, Map.of("name", "db", "url", "tcp://db.example:5432"), NOW).next();
            withRoute = RouteSchema.INSTANCE.insert(withRoute, Map.of("name", "pg", "protocols", List.of("tcp"),
                    "destinations", List.of(Map.of("port", 5432)), "service", Map.of("name", "db")), NOW).next();
            var onRoute = plugins.insert(withRoute, Map.of("name", "ip-restriction", "route", Map.of("name", "pg"),
                    "config", Map.of("deny", List.of("10.0.0.0/8"), "status", 401)), NOW);
            var onService = plugins.insert(onRoute.next(), Map.of("name", "ip-restriction", "service", Map.of("name", "db"),
                    "config", Map.of("allow", List.of("192.0.2.1"))), NOW);
            var g = plugins.insert(onService.next(), Map.of("name", "ip-restriction", "instance_name", "everywhere",
                    "config", Map.of("deny", List.of("::1"))), NOW);
            global = g.entity().id();
            a = g.next();
            s.commit(base, a);
            // Deleting the route takes its plugin with it (Kong's cascade); the service's and the global one stay.
            b = RouteSchema.INSTANCE.delete(a, RouteSchema.INSTANCE.find(a, "pg"));
            assertEquals(2, b.plugins().size());
            s.commit(a, b);
        }
        try (JdbcConfigStore s = open()) {
            EntitySet loaded = s.load();
            assertEquals(b.plugins(), loaded.plugins());
            assertEquals("everywhere", loaded.plugins().get(global).instanceName());
            assertEquals(List.of("::1"), loaded.plugins().get(global).config().get("deny"));
            // The service can go too: its plugin is removed with it, in the set and in the database.
            EntitySet c = ServiceSchema.INSTANCE.delete(loaded, ServiceSchema.INSTANCE.find(loaded, "db"));
            s.commit(loaded, c);
        }
        try (JdbcConfigStore s = open()) {
            assertEquals(List.of(global), List.copyOf(s.load().plugins().keySet()));
        }
    }

    @Test
    void upstreamsAndTargetsSurviveARestart() throws Exception {
        EntitySet a;
        try (JdbcConfigStore s = open()) {
            EntitySet base = s.load();
            a = withTarget(withTarget(withTarget(withUpstream(withUpstream(base, "billing"), "other"),
                    "billing", "10.0.0.1:8080"), "billing", "10.0.0.2"), "other", "10.0.0.1:8080");
            s.commit(base, a);
        }
        try (JdbcConfigStore s = open()) {
            EntitySet loaded = s.load();
            assertEquals(a.version(), loaded.version());
            assertEquals(a.upstreams(), loaded.upstreams());
            assertEquals(a.targets(), loaded.targets());
            Upstream billing = UpstreamSchema.INSTANCE.find(loaded, "billing");
            assertEquals(List.of(200, 302), billing.healthchecks().active().healthy().httpStatuses());
            assertEquals(List.of("10.0.0.1:8080", "10.0.0.2:8000"),
                    TargetSchema.INSTANCE.ofUpstream(loaded, billing.id()).stream().map(Target::target).sorted().toList());
            // Updates and deletes of single targets are stored too.
            Target first = TargetSchema.INSTANCE.findIn(loaded, billing.id(), "10.0.0.1:8080");
            EntitySet b = TargetSchema.INSTANCE.update(loaded, first.id().toString(), Map.of("weight", 0), NOW).next();
            b = TargetSchema.INSTANCE.delete(b, TargetSchema.INSTANCE.findIn(b, billing.id(), "10.0.0.2:8000"));
            s.commit(loaded, b);
            EntitySet again = open().load();
            assertEquals(b.targets(), again.targets());
            assertEquals(0, again.targets().get(first.id()).weight());
        }
    }

    @Test
    void deletingAnUpstreamRemovesItsTargets() throws Exception {
        try (JdbcConfigStore s = open()) {
            EntitySet base = s.load();
            EntitySet a = withTarget(withTarget(withTarget(withUpstream(withUpstream(base, "gone"), "kept"),
                    "gone", "10.0.0.1:80"), "gone", "10.0.0.2:80"), "kept", "10.0.0.1:80");
            s.commit(base, a);
            UUID gone = UpstreamSchema.INSTANCE.find(a, "gone").id();
            EntitySet b = UpstreamSchema.INSTANCE.delete(a, UpstreamSchema.INSTANCE.find(a, "gone"));
            assertEquals(1, b.targets().size());
            s.commit(a, b);
            EntitySet loaded = open().load();
            assertEquals(b.upstreams(), loaded.upstreams());
            assertEquals(b.targets(), loaded.targets());
            // The database cascades by itself too: a set that drops only the upstream loses its targets on disk.
            UUID kept = UpstreamSchema.INSTANCE.find(b, "kept").id();
            Map<UUID, Upstream> none = new LinkedHashMap<>(b.upstreams());
            none.remove(kept);
            EntitySet c = new EntitySet(b.version() + 1, b.services(), b.routes(), b.certificates(), b.snis(), none, b.targets());
            s.commit(b, c);
            assertEquals(Map.of(), open().load().targets());
            assertFalse(loaded.upstreams().containsKey(gone));
        }
    }

    @Test
    void uniqueViolationsOfUpstreamsAndTargetsRollBack() throws Exception {
        try (JdbcConfigStore s = open()) {
            EntitySet base = s.load();
            EntitySet a = withTarget(withUpstream(base, "u"), "u", "10.0.0.1:80");
            s.commit(base, a);
            Target t = a.targets().values().iterator().next();
            // A second target with the same host:port in the same upstream (a different id), plus a new service.
            EntitySet b = withService(a, "new").withTarget(new Target(UUID.randomUUID(), t.upstreamId(), t.target(),
                    5, null, t.createdAtMillis() + 1, t.updatedAtMillis() + 1));
            IOException e = assertThrows(IOException.class, () -> s.commit(a, b));
            assertFalse(e instanceof ConcurrentChangeException);
            EntitySet loaded = s.load();
            assertEquals(a.version(), loaded.version());
            assertEquals(Map.of(), loaded.services());
            assertEquals(a.targets(), loaded.targets());
            // A second upstream with a taken name.
            Upstream u = UpstreamSchema.INSTANCE.find(a, "u");
            Upstream twin = new Upstream(UUID.randomUUID(), u.name(), u.algorithm(), u.hashOn(), u.hashFallback(),
                    u.hashOnHeader(), u.hashFallbackHeader(), u.hashOnCookie(), u.hashOnCookiePath(), u.hashOnQueryArg(),
                    u.hashFallbackQueryArg(), u.hashOnUriCapture(), u.hashFallbackUriCapture(), u.slots(), u.healthchecks(),
                    u.hostHeader(), u.clientCertificate(), u.useSrvName(), u.tags(), u.createdAt(), u.updatedAt());
            EntitySet c = withService(a, "new2").withUpstream(twin);
            assertThrows(IOException.class, () -> s.commit(a, c));
            assertEquals(a.upstreams(), s.load().upstreams());
            assertEquals(Map.of(), s.load().services());
            // The same target in another upstream is allowed, and the store still works.
            EntitySet d = withTarget(withUpstream(a, "v"), "v", "10.0.0.1:80");
            s.commit(a, d);
            assertEquals(2, open().load().targets().size());
        }
    }
}
