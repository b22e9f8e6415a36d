package org.kongjava.core.snapshot;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.kongjava.config.model.EntitySet;
import org.kongjava.config.schema.EntityException;
import org.kongjava.config.schema.ServiceSchema;
import org.kongjava.config.store.ConcurrentChangeException;
import org.kongjava.config.store.ConfigStore;

class ConfigWriterTest {
    static final long NOW = 1_700_000_000L;

    /** A store that records commits; it can be told to block, fail once, or report a concurrent change once. */
    static final class RecordingStore implements ConfigStore {
        final List<EntitySet> commits = new ArrayList<>();
        volatile CountDownLatch gate;
        volatile EntitySet concurrent;
        volatile IOException failure;

        @Override
        public EntitySet load() {
            return EntitySet.EMPTY;
        }

        @Override
        public synchronized void commit(EntitySet before, EntitySet after) throws IOException {
            CountDownLatch g = gate;
            if (g != null) {
                try {
                    g.await(5, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            if (concurrent != null) {
                EntitySet c = concurrent;
                concurrent = null;
                throw new ConcurrentChangeException(before.version(), c);
            }
            if (failure != null) {
                IOException f = failure;
                failure = null;
                throw f;
            }
            commits.add(after);
        }
    }

    private static ConfigWriter.Mutation<String> addService(String name) {
        return cur -> {
            var w = ServiceSchema.INSTANCE.insert(cur, Map.of("name", name, "host", name + ".example"), NOW);
            return new ConfigWriter.Result<>(w.next(), name);
        };
    }

    private static SnapshotHolder holder() {
        return new SnapshotHolder(new SnapshotCompiler().compile(EntitySet.EMPTY));
    }

    @Test
    void queuedChangesAreCommittedTogetherAndEachCallerSeesItsChangeLive() throws Exception {
        RecordingStore store = new RecordingStore();
        SnapshotHolder holder = holder();
        try (ConfigWriter w = new ConfigWriter(holder, new SnapshotCompiler(), store)) {
            store.gate = new CountDownLatch(1);
            CompletableFuture<String> first = w.submit(addService("first"));
            Thread.sleep(100); // the first commit is now blocked in the store
            List<CompletableFuture<String>> rest = new ArrayList<>();
            for (int i = 0; i < 20; i++) {
                rest.add(w.submit(addService("s" + i)));
            }
            CompletableFuture<String> refused = w.submit(addService("s3")); // duplicate name: refused alone
            store.gate.countDown();
            assertEquals("first", first.get(5, TimeUnit.SECONDS));
            for (CompletableFuture<String> f : rest) {
                f.get(5, TimeUnit.SECONDS);
            }
            ExecutionException e = org.junit.jupiter.api.Assertions.assertThrows(ExecutionException.class, refused::get);
            assertInstanceOf(EntityException.class, e.getCause());
            assertEquals(2, store.commits.size(), "one commit for the first change, one for the 20 queued ones");
            assertEquals(21, holder.current().entities().services().size());
            assertTrue(store.commits.get(1).version() > store.commits.get(0).version());
        }
    }

    @Test
    void aConcurrentChangeIsAdoptedAndTheChangeAppliedOnTop() throws Exception {
        RecordingStore store = new RecordingStore();
        SnapshotHolder holder = holder();
        EntitySet elsewhere = ServiceSchema.INSTANCE.insert(new EntitySet(10, Map.of(), Map.of()),
                Map.of("name", "theirs", "host", "t.example"), NOW).next();
        store.concurrent = elsewhere;
        try (ConfigWriter w = new ConfigWriter(holder, new SnapshotCompiler(), store)) {
            w.submit(addService("mine")).get(5, TimeUnit.SECONDS);
            EntitySet live = holder.current().entities();
            assertNotNull(ServiceSchema.INSTANCE.find(live, "theirs"));
            assertNotNull(ServiceSchema.INSTANCE.find(live, "mine"));
            assertEquals(elsewhere.version() + 1, live.version());
            assertEquals(live, store.commits.get(0));
        }
    }

    @Test
    void aFailedCommitPublishesNothing() throws Exception {
        RecordingStore store = new RecordingStore();
        SnapshotHolder holder = holder();
        store.failure = new IOException("disk full");
        try (ConfigWriter w = new ConfigWriter(holder, new SnapshotCompiler(), store)) {
            ExecutionException e = org.junit.jupiter.api.Assertions.assertThrows(ExecutionException.class,
                    () -> w.submit(addService("lost")).get(5, TimeUnit.SECONDS));
            assertEquals("disk full", e.getCause().getMessage());
            assertEquals(0, holder.current().entities().services().size());
            w.submit(addService("kept")).get(5, TimeUnit.SECONDS);
            assertEquals(1, holder.current().entities().services().size());
        }
    }

    @Test
    void aStoredConfigurationThatCannotBeCompiledFailsTheWriteInsteadOfHangingIt() throws Exception {
        RecordingStore store = new RecordingStore();
        SnapshotHolder holder = holder();
        // Another node stored a route this node's router refuses (e.g. a release with other regex rules).
        EntitySet ok = org.kongjava.config.schema.RouteSchema.INSTANCE.insert(EntitySet.EMPTY,
                Map.of("name", "r", "paths", java.util.List.of("/r")), NOW).next();
        org.kongjava.config.model.Route r = ok.routes().values().iterator().next();
        org.kongjava.config.model.Route bad = new org.kongjava.config.model.Route(r.id(), r.name(), r.protocols(), null, null,
                java.util.List.of("~/(unclosed"), null, null, null, null, 426, 0, true, "v0", false, true, true, null, null,
                r.createdAt(), r.updatedAt());
        store.concurrent = new EntitySet(10, Map.of(), Map.of(bad.id(), bad));
        SnapshotCompiler picky = new SnapshotCompiler();
        try (ConfigWriter w = new ConfigWriter(holder, picky, store)) {
            ExecutionException e = org.junit.jupiter.api.Assertions.assertThrows(ExecutionException.class,
                    () -> w.submit(addService("x")).get(5, TimeUnit.SECONDS));
            assertInstanceOf(ConcurrentChangeException.class, e.getCause());
            assertEquals(0, holder.current().version(), "the last good snapshot is still served");
        }
    }

    @Test
    void adoptPublishesOnlyNewerStoredConfigurations() throws Exception {
        SnapshotHolder holder = holder();
        try (ConfigWriter w = new ConfigWriter(holder, new SnapshotCompiler(), new RecordingStore())) {
            w.submit(addService("a")).get(5, TimeUnit.SECONDS);
            long v = holder.current().version();
            EntitySet older = new EntitySet(v, Map.of(), Map.of());
            assertFalse(w.adopt(older).get(5, TimeUnit.SECONDS));
            assertEquals(1, holder.current().entities().services().size());
            EntitySet newer = new EntitySet(v + 5, Map.of(), Map.of());
            assertTrue(w.adopt(newer).get(5, TimeUnit.SECONDS));
            assertEquals(v + 5, holder.current().version());
        }
    }
}
