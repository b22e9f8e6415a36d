package org.kongjava.config.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.kongjava.config.model.EntitySet;

class EmbeddedConfigStoreTest extends ConfigStoreContract {
    @TempDir
    Path dir;

    @Override
    JdbcConfigStore open() {
        return new EmbeddedConfigStore(dir.resolve("kong-java.db"), 200);
    }

    @Test
    void durableSettingsAndSelfMigration() throws Exception {
        try (JdbcConfigStore s = open()) {
            s.load();
        }
        assertTrue(Files.exists(dir.resolve("kong-java.db")));
        try (Connection c = EmbeddedConfigStore.open(dir.resolve("kong-java.db")); Statement st = c.createStatement()) {
            try (ResultSet rs = st.executeQuery("PRAGMA journal_mode")) {
                rs.next();
                assertEquals("wal", rs.getString(1));
            }
            try (ResultSet rs = st.executeQuery("PRAGMA synchronous")) {
                rs.next();
                assertEquals(2, rs.getInt(1)); // FULL
            }
            assertEquals(Migrations.known(), Migrations.status(c).executed());
        }
    }

    @Test
    void tenThousandRoutesLoadQuickly() throws Exception {
        EntitySet set;
        try (JdbcConfigStore s = open()) {
            EntitySet base = s.load();
            set = withService(base, "bulk");
            java.util.Map<java.util.UUID, org.kongjava.config.model.Route> routes = new java.util.LinkedHashMap<>();
            EntitySet one = withRoute(set, "r0", "bulk");
            org.kongjava.config.model.Route proto = one.routes().values().iterator().next();
            for (int i = 0; i < 10_000; i++) {
                java.util.UUID id = java.util.UUID.randomUUID();
                routes.put(id, new org.kongjava.config.model.Route(id, "r" + i, proto.protocols(), null, null,
                        java.util.List.of("/p" + i), null, null, null, null, 426, 0, true, "v0", false, true, true,
                        proto.serviceId(), null, proto.createdAt(), proto.updatedAt()));
            }
            set = new EntitySet(base.version() + 1, set.services(), routes);
            long t0 = System.nanoTime();
            s.commit(base, set);
            System.out.printf("embedded: commit of 10000 routes in %d ms%n", (System.nanoTime() - t0) / 1_000_000);
        }
        long t0 = System.nanoTime();
        EntitySet loaded;
        try (JdbcConfigStore s = open()) {
            loaded = s.load();
        }
        long ms = (System.nanoTime() - t0) / 1_000_000;
        System.out.printf("embedded: load of 10000 routes in %d ms%n", ms);
        assertEquals(set.routes(), loaded.routes());
        assertTrue(ms < 3000, "load took " + ms + " ms");
    }
}
