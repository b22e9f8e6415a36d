package org.kongjava.config.store;

import java.sql.Connection;
import java.sql.DatabaseMetaData;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The schema of the SQL stores, as an ordered list of named migrations with Kong's two phases: {@code up}
 * (additive, safe while older nodes still run) and {@code teardown} (run by {@code migrations finish}).
 * Executed migrations are recorded in {@code kj_schema_migrations} as {@code executed} or, between up and
 * finish, {@code pending}. Each command runs in one transaction, serialized across nodes.
 * <p>
 * A new entity type is a new migration at the end of {@link #ALL} creating its table; migrations never change.
 */
public final class Migrations {
    static final String TABLE = "kj_schema_migrations";

    /** One migration: statements for {@code up} and for {@code teardown} (often none). */
    record Migration(String name, List<String> up, List<String> teardown) {
    }

    static final List<Migration> ALL = List.of(
            new Migration("000_base", List.of(
                    "CREATE TABLE kj_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
                    "INSERT INTO kj_meta (key, value) VALUES ('revision', '0')",
                    "CREATE TABLE services (id TEXT PRIMARY KEY, name TEXT UNIQUE, created_at BIGINT NOT NULL,"
                            + " doc TEXT NOT NULL)",
                    "CREATE TABLE routes (id TEXT PRIMARY KEY, name TEXT UNIQUE,"
                            + " service_id TEXT REFERENCES services (id) ON DELETE RESTRICT,"
                            + " created_at BIGINT NOT NULL, doc TEXT NOT NULL)",
                    "CREATE INDEX routes_service_id_idx ON routes (service_id)"),
                    List.of()),
            new Migration("001_certificates", List.of(
                    "CREATE TABLE certificates (id TEXT PRIMARY KEY, name TEXT UNIQUE, created_at BIGINT NOT NULL,"
                            + " doc TEXT NOT NULL)",
                    "CREATE TABLE snis (id TEXT PRIMARY KEY, name TEXT UNIQUE,"
                            + " certificate_id TEXT REFERENCES certificates (id) ON DELETE RESTRICT,"
                            + " created_at BIGINT NOT NULL, doc TEXT NOT NULL)",
                    "CREATE INDEX snis_certificate_id_idx ON snis (certificate_id)"),
                    List.of()),
            // Independent of every other migration after 000_base: it only adds its own two tables.
            new Migration("002_upstreams", List.of(
                    "CREATE TABLE upstreams (id TEXT PRIMARY KEY, name TEXT UNIQUE, created_at BIGINT NOT NULL,"
                            + " doc TEXT NOT NULL)",
                    // name is the normalized target (host:port); created_at is in milliseconds, as targets keep it.
                    "CREATE TABLE targets (id TEXT PRIMARY KEY, name TEXT,"
                            + " upstream_id TEXT NOT NULL REFERENCES upstreams (id) ON DELETE CASCADE,"
                            + " created_at BIGINT NOT NULL, doc TEXT NOT NULL, UNIQUE (upstream_id, name))",
                    "CREATE INDEX targets_upstream_id_idx ON targets (upstream_id)"),
                    List.of()),
            // Independent of the others after 000_base. cert_digest uniqueness is the schema's check (the writer
            // applies whole validated sets); name stays null, CA certificates are addressed by id only.
            new Migration("003_ca_certificates", List.of(
                    "CREATE TABLE ca_certificates (id TEXT PRIMARY KEY, name TEXT UNIQUE, created_at BIGINT NOT NULL,"
                            + " doc TEXT NOT NULL)"),
                    List.of()),
            // Independent of the others after 000_base. name is instance_name; the (name, route, service, consumer)
            // uniqueness is the schema's check. Plugins go with their route or service (Kong's on_delete cascade).
            new Migration("004_plugins", List.of(
                    "CREATE TABLE plugins (id TEXT PRIMARY KEY, name TEXT UNIQUE,"
                            + " route_id TEXT REFERENCES routes (id) ON DELETE CASCADE,"
                            + " service_id TEXT REFERENCES services (id) ON DELETE CASCADE,"
                            + " created_at BIGINT NOT NULL, doc TEXT NOT NULL)",
                    "CREATE INDEX plugins_route_id_idx ON plugins (route_id)",
                    "CREATE INDEX plugins_service_id_idx ON plugins (service_id)"),
                    List.of()));

    /**
     * Where a database stands.
     *
     * @param bootstrapped   the migrations table exists
     * @param executed       migrations fully run
     * @param pending        migrations whose {@code up} ran and whose {@code teardown} awaits {@code finish}
     * @param available      migrations not run at all
     */
    public record Status(boolean bootstrapped, List<String> executed, List<String> pending, List<String> available) {
        /** Ready to serve: bootstrapped and nothing left to run (a pending teardown does not block, as in Kong). */
        public boolean upToDate() {
            return bootstrapped && available.isEmpty();
        }

        /** Kong's {@code migrations list} exit status: 0 up to date, 3 needs bootstrap, 4 pending finish, 5 new ones. */
        public int exitCode() {
            if (!bootstrapped) {
                return 3;
            }
            if (!available.isEmpty()) {
                return 5;
            }
            return pending.isEmpty() ? 0 : 4;
        }
    }

    private Migrations() {
    }

    /** The names of all migrations this release knows, in order. */
    public static List<String> known() {
        return ALL.stream().map(Migration::name).toList();
    }

    public static Status status(Connection c) throws SQLException {
        if (!tableExists(c, TABLE)) {
            return new Status(false, List.of(), List.of(), known());
        }
        Map<String, String> states = new LinkedHashMap<>();
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT name, state FROM " + TABLE)) {
            while (rs.next()) {
                states.put(rs.getString(1), rs.getString(2));
            }
        }
        List<String> executed = new ArrayList<>();
        List<String> pending = new ArrayList<>();
        List<String> available = new ArrayList<>();
        for (Migration m : ALL) {
            String st = states.get(m.name());
            if (st == null) {
                available.add(m.name());
            } else if (st.equals("pending")) {
                pending.add(m.name());
            } else {
                executed.add(m.name());
            }
        }
        return new Status(true, executed, pending, available);
    }

    /**
     * Creates the schema on an empty database and runs every migration (up and teardown).
     *
     * @return the migrations run
     * @throws IllegalStateException when already bootstrapped
     */
    public static List<String> bootstrap(Connection c, SqlDialect dialect) throws SQLException {
        return inTransaction(c, dialect, () -> {
            if (tableExists(c, TABLE)) {
                throw new IllegalStateException("Database already bootstrapped");
            }
            exec(c, "CREATE TABLE " + TABLE + " (name TEXT PRIMARY KEY, state TEXT NOT NULL, executed_at BIGINT NOT NULL)");
            List<String> ran = new ArrayList<>();
            for (Migration m : ALL) {
                runAll(c, m.up());
                runAll(c, m.teardown());
                record(c, m.name(), "executed");
                ran.add(m.name());
            }
            return ran;
        });
    }

    /** Runs the {@code up} phase of migrations not run yet; those with a teardown stay {@code pending}. */
    public static List<String> up(Connection c, SqlDialect dialect) throws SQLException {
        return inTransaction(c, dialect, () -> {
            Status st = requireBootstrapped(c);
            List<String> ran = new ArrayList<>();
            for (Migration m : ALL) {
                if (st.available().contains(m.name())) {
                    runAll(c, m.up());
                    record(c, m.name(), m.teardown().isEmpty() ? "executed" : "pending");
                    ran.add(m.name());
                }
            }
            return ran;
        });
    }

    /** Runs the {@code teardown} phase of pending migrations. */
    public static List<String> finish(Connection c, SqlDialect dialect) throws SQLException {
        return inTransaction(c, dialect, () -> {
            Status st = requireBootstrapped(c);
            List<String> ran = new ArrayList<>();
            for (Migration m : ALL) {
                if (st.pending().contains(m.name())) {
                    runAll(c, m.teardown());
                    try (PreparedStatement ps = c.prepareStatement("UPDATE " + TABLE + " SET state = 'executed' WHERE name = ?")) {
                        ps.setString(1, m.name());
                        ps.executeUpdate();
                    }
                    ran.add(m.name());
                }
            }
            return ran;
        });
    }

    /** Brings a database fully up to date (bootstrap, up, finish): what the embedded store does on start. */
    public static List<String> migrateAll(Connection c, SqlDialect dialect) throws SQLException {
        List<String> ran = new ArrayList<>();
        if (!status(c).bootstrapped()) {
            return bootstrap(c, dialect);
        }
        ran.addAll(up(c, dialect));
        finish(c, dialect);
        return ran;
    }

    /**
     * Drops every table kong-java created, data included.
     *
     * @return false when the database was not bootstrapped (nothing to reset)
     */
    public static boolean reset(Connection c, SqlDialect dialect) throws SQLException {
        return inTransaction(c, dialect, () -> {
            if (!tableExists(c, TABLE)) {
                return false;
            }
            // Children before parents; future tables are listed here as their migrations add them.
            for (int i = StoredKind.ALL.size() - 1; i >= 0; i--) {
                exec(c, "DROP TABLE IF EXISTS " + StoredKind.ALL.get(i).table());
            }
            exec(c, "DROP TABLE IF EXISTS kj_meta");
            exec(c, "DROP TABLE IF EXISTS " + TABLE);
            return true;
        });
    }

    private static Status requireBootstrapped(Connection c) throws SQLException {
        Status st = status(c);
        if (!st.bootstrapped()) {
            throw new IllegalStateException("Database needs bootstrapping; run 'kong-java migrations bootstrap'");
        }
        return st;
    }

    @FunctionalInterface
    private interface Body<T> {
        T run() throws SQLException;
    }

    private static <T> T inTransaction(Connection c, SqlDialect dialect, Body<T> body) throws SQLException {
        boolean auto = c.getAutoCommit();
        c.setAutoCommit(false);
        try {
            dialect.lockMigrations(c);
            T result = body.run();
            c.commit();
            return result;
        } catch (SQLException | RuntimeException e) {
            c.rollback();
            throw e;
        } finally {
            c.setAutoCommit(auto);
        }
    }

    private static void runAll(Connection c, List<String> sql) throws SQLException {
        for (String s : sql) {
            exec(c, s);
        }
    }

    private static void exec(Connection c, String sql) throws SQLException {
        try (Statement s = c.createStatement()) {
            s.execute(sql);
        }
    }

    private static void record(Connection c, String name, String state) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO " + TABLE + " (name, state, executed_at) VALUES (?, ?, ?)")) {
            ps.setString(1, name);
            ps.setString(2, state);
            ps.setLong(3, System.currentTimeMillis() / 1000);
            ps.executeUpdate();
        }
    }

    static boolean tableExists(Connection c, String table) throws SQLException {
        DatabaseMetaData md = c.getMetaData();
        String schema = c.getSchema();
        try (ResultSet rs = md.getTables(null, schema, table, new String[] {"TABLE"})) {
            return rs.next();
        }
    }
}
