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
}
