package org.kongjava.config.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.sql.Connection;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.kongjava.config.model.EntitySet;

/** The contract against a real PostgreSQL server (skipped when none is installed, unless -Dit.requirePeers=true). */
class PostgresConfigStoreTest extends ConfigStoreContract {
    static PgServer pg;

    @BeforeAll
    static void startServer() throws Exception {
        pg = PgServer.startIfAvailable();
        if (pg == null && Boolean.getBoolean("it.requirePeers")) {
            throw new IllegalStateException("PostgreSQL is required (-Dit.requirePeers=true) but not installed");
        }
        Assumptions.assumeTrue(pg != null, "PostgreSQL not installed");
    }

    @AfterAll
    static void stopServer() throws Exception {
        if (pg != null) {
            pg.close();
        }
    }

    @BeforeEach
    void freshSchema() throws Exception {
        try (Connection c = PostgresConfigStore.open(pg.settings())) {
            Migrations.reset(c, SqlDialect.POSTGRES);
            Migrations.bootstrap(c, SqlDialect.POSTGRES);
        }
    }

    @Override
    JdbcConfigStore open() {
        return new PostgresConfigStore(pg.settings(), 5000); // notifications must do the work, not polling
    }

    @Test
    void refusesAnUnbootstrappedDatabaseAndMigrationsReportTheirState() throws Exception {
        try (Connection c = PostgresConfigStore.open(pg.settings())) {
            Migrations.reset(c, SqlDialect.POSTGRES);
            assertEquals(3, Migrations.status(c).exitCode());
            IOException e = assertThrows(IOException.class, () -> open().load());
            assertTrue(e.getMessage().contains("migrations bootstrap"), e.getMessage());
            assertEquals(Migrations.known(), Migrations.bootstrap(c, SqlDialect.POSTGRES));
            assertEquals(0, Migrations.status(c).exitCode());
            assertThrows(IllegalStateException.class, () -> Migrations.bootstrap(c, SqlDialect.POSTGRES));
            assertEquals(java.util.List.of(), Migrations.up(c, SqlDialect.POSTGRES));
        }
        try (JdbcConfigStore s = open()) {
            assertEquals(0, s.load().services().size());
        }
    }

    @Test
    void aConfiguredSchemaIsCreatedByBootstrapAndUsed() throws Exception {
        PgSettings base = pg.settings();
        PgSettings inSchema = new PgSettings(base.host(), base.port(), base.user(), base.password(), base.database(),
                "kj \"odd\" schema", false, false, 2000, 1);
        try (Connection c = PostgresConfigStore.open(inSchema)) {
            PostgresConfigStore.createSchemaIfMissing(c, inSchema);
            Migrations.reset(c, SqlDialect.POSTGRES);
            Migrations.bootstrap(c, SqlDialect.POSTGRES);
        }
        try (JdbcConfigStore s = new PostgresConfigStore(inSchema, 5000)) {
            EntitySet empty = s.load();
            s.commit(empty, withService(empty, "schema-svc"));
        }
        try (JdbcConfigStore s = new PostgresConfigStore(inSchema, 5000); JdbcConfigStore publicSchema = open()) {
            assertEquals(1, s.load().services().size());
            assertEquals(0, publicSchema.load().services().size(), "the default schema is untouched");
        }
    }

    @Test
    void keepsTheLastGoodConfigurationWhileTheServerIsDownAndCatchesUp() throws Exception {
        try (JdbcConfigStore writer = open(); JdbcConfigStore watcher = new PostgresConfigStore(pg.settings(), 300);
             JdbcConfigStore idle = open()) {
            EntitySet base = writer.load();
            watcher.load();
            idle.load(); // its connection dies with the server and is not used during the outage
            java.util.concurrent.LinkedBlockingQueue<EntitySet> seen = new java.util.concurrent.LinkedBlockingQueue<>();
            watcher.onExternalChange(seen::add);
            pg.stop();
            long deadline = System.currentTimeMillis() + 5000;
            while (watcher.reachable() && System.currentTimeMillis() < deadline) {
                Thread.sleep(50);
            }
            assertTrue(!watcher.reachable(), "the watcher noticed the outage");
            EntitySet next = withService(base, "during-outage");
            assertThrows(IOException.class, () -> writer.commit(base, next));
            pg.start();
            writer.commit(base, next);
            EntitySet got = seen.poll(10, java.util.concurrent.TimeUnit.SECONDS);
            assertEquals(next.services(), got.services());
            assertTrue(watcher.reachable());
            // A connection that died while idle is replaced on the next write, which succeeds.
            EntitySet later = withService(next, "after-outage");
            idle.commit(next, later);
            try (JdbcConfigStore check = open()) {
                assertEquals(later.services(), check.load().services());
            }
        }
    }
}
