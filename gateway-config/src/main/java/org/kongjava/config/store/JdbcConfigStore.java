package org.kongjava.config.store;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import org.kongjava.config.model.EntitySet;
import org.kongjava.config.schema.EntityException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The SQL stores' common part: the whole configuration in one table per entity type (see {@link StoredKind}),
 * plus a revision number in {@code kj_meta} that equals the {@link EntitySet#version()} of the stored set.
 * <p>
 * A commit is one transaction: lock the revision, check it is the one this node last saw (else
 * {@link ConcurrentChangeException}, nothing written), write the difference between the two sets, store the
 * new revision, commit. The database enforces primary, unique and foreign keys, so a failed write leaves
 * nothing half-written. Commits run on the config writer thread only.
 * <p>
 * A watcher thread (started by {@link #onExternalChange}) notices revisions written elsewhere, reads the whole
 * set in one consistent read and hands it over. While the database is unreachable it logs once, keeps the
 * last good configuration and retries; the data plane never touches the database.
 */
public abstract class JdbcConfigStore implements ConfigStore {
    private static final Logger log = LoggerFactory.getLogger(JdbcConfigStore.class);
    static final ObjectMapper JSON = new ObjectMapper();
    private static final TypeReference<Map<String, Object>> MAP = new TypeReference<>() {
    };

    private final SqlDialect dialect;
    private final long pollMillis;
    private final Semaphore queries;
    private final AtomicLong lastSeen = new AtomicLong(-1);
    private volatile boolean reachable = true;
    private volatile boolean closed;
    private Connection writeConnection; // the config writer's (and start-up's) connection
    private Thread watcher;

    /**
     * @param pollMillis            how often the watcher checks the revision ({@code db_update_frequency})
     * @param maxConcurrentQueries  at most this many queries at once on this node; 0 = unlimited
     */
    protected JdbcConfigStore(SqlDialect dialect, long pollMillis, int maxConcurrentQueries) {
        this.dialect = dialect;
        this.pollMillis = pollMillis;
        this.queries = maxConcurrentQueries > 0 ? new Semaphore(maxConcurrentQueries, true) : null;
    }

    /** Opens a new connection (autocommit on). */
    protected abstract Connection connect() throws SQLException;

    /** Brings the schema to where this release needs it, or explains what the operator must run. */
    protected abstract void prepareSchema(Connection c) throws SQLException, IOException;

    /** Opens the watcher's connection; by default like any other. */
    protected Connection connectForWatch() throws SQLException {
        return connect();
    }

    /** Hook for the watcher's connection (PostgreSQL subscribes to notifications). */
    protected void prepareWatch(Connection c) throws SQLException {
    }

    /** Waits up to {@code millis} for a change signal; the default just sleeps (polling). */
    protected void awaitChange(Connection c, long millis) throws SQLException, InterruptedException {
        Thread.sleep(millis);
    }

    /** Statement run inside a commit's transaction after the new revision is written (PostgreSQL: NOTIFY). */
    protected void afterWrite(Connection c, long revision) throws SQLException {
    }

    /** Where the store lives, for messages (no secrets). */
    protected abstract String describe();

    // ------------------------------------------------------------------ ConfigStore

    @Override
    public EntitySet load() throws IOException {
        try {
            Connection c = writeConnection();
            prepareSchema(c);
            EntitySet set = readAll(c);
            lastSeen.set(set.version());
            reachable = true;
            return set;
        } catch (SQLException e) {
            dropWriteConnection();
            throw new IOException("cannot read the configuration from " + describe() + ": " + e.getMessage(), e);
        }
    }

    @Override
    public void commit(EntitySet before, EntitySet after) throws IOException {
        if (after.version() <= before.version()) {
            throw new IllegalArgumentException("a new configuration needs a higher version (" + before.version()
                    + " -> " + after.version() + ")");
        }
        acquire();
        try {
            Connection c = writeConnection();
            long stored;
            try {
                c.setAutoCommit(false);
                stored = revision(c, dialect.lockRevision());
            } catch (SQLException stale) {
                // The connection died since its last use (e.g. the server restarted): nothing was written
                // yet, so a fresh connection may safely start over.
                if (!connectionLost(stale, c)) {
                    throw stale;
                }
                dropWriteConnection();
                c = writeConnection();
                c.setAutoCommit(false);
                stored = revision(c, dialect.lockRevision());
            }
            try {
                if (stored != before.version()) {
                    EntitySet current = readAllInTransaction(c, stored);
                    c.rollback();
                    lastSeen.accumulateAndGet(current.version(), Math::max);
                    throw new ConcurrentChangeException(before.version(), current);
                }
                writeDiff(c, before, after);
                try (PreparedStatement ps = c.prepareStatement("UPDATE kj_meta SET value = ? WHERE key = 'revision'")) {
                    ps.setString(1, Long.toString(after.version()));
                    ps.executeUpdate();
                }
                afterWrite(c, after.version());
                c.commit();
                lastSeen.accumulateAndGet(after.version(), Math::max);
                markReachable();
            } catch (SQLException | RuntimeException e) {
                rollbackQuietly(c);
                throw e;
            } finally {
                if (writeConnection != null) {
                    try {
                        c.setAutoCommit(true);
                    } catch (SQLException ignored) {
                        dropWriteConnection();
                    }
                }
            }
        } catch (SQLException e) {
            dropWriteConnection();
            markUnreachableIfConnectionLost(e);
            throw new IOException("cannot store the configuration in " + describe() + ": " + e.getMessage(), e);
        } finally {
            release();
        }
    }

    @Override
    public boolean reachable() {
        return reachable;
    }

    @Override
    public synchronized void onExternalChange(Consumer<EntitySet> listener) {
        Objects.requireNonNull(listener, "listener");
        if (watcher != null) {
            throw new IllegalStateException("a listener is already registered");
        }
        watcher = new Thread(() -> watch(listener), "gw-store-watch");
        watcher.setDaemon(true);
        watcher.start();
    }

    @Override
    public void close() throws IOException {
        closed = true;
        Thread w;
        synchronized (this) {
            w = watcher;
        }
        if (w != null) {
            w.interrupt();
            try {
                w.join(2000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        dropWriteConnection();
    }

    // ------------------------------------------------------------------ reading

    private EntitySet readAll(Connection c) throws SQLException {
        c.setAutoCommit(false);
        if (dialect == SqlDialect.POSTGRES) {
            // One snapshot for the revision and every table (SQLite's read transactions are snapshots already).
            c.setTransactionIsolation(Connection.TRANSACTION_REPEATABLE_READ);
        }
        try {
            long rev = revision(c, "SELECT value FROM kj_meta WHERE key = 'revision'");
            EntitySet set = readAllInTransaction(c, rev);
            c.commit();
            return set;
        } catch (SQLException | RuntimeException e) {
            rollbackQuietly(c);
            throw e;
        } finally {
            c.setAutoCommit(true);
            if (dialect == SqlDialect.POSTGRES) {
                c.setTransactionIsolation(Connection.TRANSACTION_READ_COMMITTED);
            }
        }
    }

    private EntitySet readAllInTransaction(Connection c, long revision) throws SQLException {
        EntitySet set = new EntitySet(revision, Map.of(), Map.of());
        long now = System.currentTimeMillis() / 1000;
        for (StoredKind<?> k : StoredKind.ALL) {
            set = readKind(c, k, set, now);
        }
        return set;
    }

    private <T> EntitySet readKind(Connection c, StoredKind<T> kind, EntitySet set, long now) throws SQLException {
        Map<UUID, T> all = new LinkedHashMap<>();
        try (Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT id, doc FROM " + kind.table() + " ORDER BY created_at, id")) {
            while (rs.next()) {
                String id = rs.getString(1);
                Map<String, Object> doc;
                try {
                    doc = JSON.readValue(rs.getString(2), MAP);
                } catch (JsonProcessingException e) {
                    throw new SQLException(kind.table() + " " + id + ": stored document is not JSON: " + e.getOriginalMessage());
                }
                T e;
                try {
                    e = kind.type().fromStored(doc, now);
                } catch (EntityException ex) {
                    // Written by this code after validation, so this means a foreign or damaged row: name it.
                    throw new SQLException(kind.table() + " " + id + ": stored entity is invalid: " + ex.getMessage());
                }
                all.put(kind.type().id(e), e);
            }
        }
        return kind.type().withAll(set, all);
    }

    private static long revision(Connection c, String sql) throws SQLException {
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            if (!rs.next()) {
                throw new SQLException("kj_meta has no revision row: the schema is damaged");
            }
            return Long.parseLong(rs.getString(1));
        }
    }

    // ------------------------------------------------------------------ writing

    private void writeDiff(Connection c, EntitySet before, EntitySet after) throws SQLException {
        List<Diff<?>> diffs = new ArrayList<>();
        for (StoredKind<?> k : StoredKind.ALL) {
            diffs.add(diff(k, before, after));
        }
        // 1. Free endpoint keys that are going away (deleted or renamed rows), so that inserts may reuse them.
        for (Diff<?> d : diffs) {
            d.freeKeys(c);
        }
        // 2. Inserts and updates, parents first: a child's new parent exists when the child is written.
        for (Diff<?> d : diffs) {
            d.upsert(c);
        }
        // 3. Deletes, children first; the database refuses a parent still referenced (ON DELETE RESTRICT).
        for (int i = diffs.size() - 1; i >= 0; i--) {
            diffs.get(i).delete(c);
        }
    }

    private static <T> Diff<T> diff(StoredKind<T> kind, EntitySet before, EntitySet after) {
        Map<UUID, T> a = kind.collection(before);
        Map<UUID, T> b = kind.collection(after);
        List<T> upserts = new ArrayList<>();
        List<UUID> renamed = new ArrayList<>();
        List<UUID> deleted = new ArrayList<>();
        if (a != b) {
            for (Map.Entry<UUID, T> e : b.entrySet()) {
                T old = a.get(e.getKey());
                if (old == null || old != e.getValue() && !old.equals(e.getValue())) {
                    upserts.add(e.getValue());
                    if (old != null && kind.type().endpointKey(old) != null
                            && !kind.type().endpointKey(old).equals(kind.type().endpointKey(e.getValue()))) {
                        renamed.add(e.getKey());
                    }
                }
            }
            for (Map.Entry<UUID, T> e : a.entrySet()) {
                if (!b.containsKey(e.getKey())) {
                    deleted.add(e.getKey());
                    if (kind.type().endpointKey(e.getValue()) != null) {
                        renamed.add(e.getKey());
                    }
                }
            }
        }
        return new Diff<>(kind, upserts, renamed, deleted);
    }

    /** What one commit changes in one table. */
    private record Diff<T>(StoredKind<T> kind, List<T> upserts, List<UUID> freed, List<UUID> deleted) {

        void freeKeys(Connection c) throws SQLException {
            if (freed.isEmpty() || upserts.isEmpty()) {
                return;
            }
            try (PreparedStatement ps = c.prepareStatement("UPDATE " + kind.table() + " SET name = NULL WHERE id = ?")) {
                for (UUID id : freed) {
                    ps.setString(1, id.toString());
                    ps.addBatch();
                }
                ps.executeBatch();
            }
        }

        void upsert(Connection c) throws SQLException {
            if (upserts.isEmpty()) {
                return;
            }
            StringBuilder cols = new StringBuilder("id, name, created_at, doc");
            StringBuilder marks = new StringBuilder("?, ?, ?, ?");
            StringBuilder set = new StringBuilder("name = excluded.name, created_at = excluded.created_at, doc = excluded.doc");
            for (StoredKind.ForeignKey fk : kind.foreignKeys()) {
                cols.append(", ").append(fk.column());
                marks.append(", ?");
                set.append(", ").append(fk.column()).append(" = excluded.").append(fk.column());
            }
            String sql = "INSERT INTO " + kind.table() + " (" + cols + ") VALUES (" + marks + ") ON CONFLICT (id) DO UPDATE SET " + set;
            try (PreparedStatement ps = c.prepareStatement(sql)) {
                for (T e : upserts) {
                    Map<String, Object> doc = kind.type().encode(e);
                    ps.setString(1, kind.type().id(e).toString());
                    ps.setString(2, kind.type().endpointKey(e));
                    ps.setLong(3, kind.type().createdAt(e));
                    try {
                        ps.setString(4, JSON.writeValueAsString(doc));
                    } catch (JsonProcessingException ex) {
                        throw new SQLException("cannot encode " + kind.table() + " " + kind.type().id(e) + ": " + ex.getMessage());
                    }
                    int i = 5;
                    for (StoredKind.ForeignKey fk : kind.foreignKeys()) {
                        Object ref = doc.get(fk.field());
                        ps.setString(i++, ref instanceof Map<?, ?> m && m.get("id") != null ? m.get("id").toString() : null);
                    }
                    ps.addBatch();
                }
                ps.executeBatch();
            }
        }

        void delete(Connection c) throws SQLException {
            if (deleted.isEmpty()) {
                return;
            }
            try (PreparedStatement ps = c.prepareStatement("DELETE FROM " + kind.table() + " WHERE id = ?")) {
                for (UUID id : deleted) {
                    ps.setString(1, id.toString());
                    ps.addBatch();
                }
                ps.executeBatch();
            }
        }
    }

    // ------------------------------------------------------------------ watching

    private void watch(Consumer<EntitySet> listener) {
        Connection c = null;
        while (!closed && !Thread.currentThread().isInterrupted()) {
            try {
                if (c == null) {
                    c = connectForWatch();
                    prepareWatch(c);
                }
                long rev;
                acquire();
                try {
                    rev = revision(c, "SELECT value FROM kj_meta WHERE key = 'revision'");
                    markReachable();
                    if (rev > lastSeen.get()) {
                        EntitySet set = readAll(c);
                        long prev = lastSeen.getAndAccumulate(set.version(), Math::max);
                        if (set.version() > prev) {
                            log.info("configuration revision {} found in {}; applying it", set.version(), describe());
                            listener.accept(set);
                        }
                    }
                } finally {
                    release();
                }
                awaitChange(c, pollMillis);
            } catch (InterruptedException e) {
                break;
            } catch (SQLException | RuntimeException e) {
                if (closed) {
                    break;
                }
                if (reachable) {
                    log.warn("database {} unreachable ({}); serving the last good configuration and retrying",
                            describe(), e.getMessage());
                }
                reachable = false;
                closeQuietly(c);
                c = null;
                try {
                    Thread.sleep(Math.min(pollMillis, 500));
                } catch (InterruptedException ie) {
                    break;
                }
            }
        }
        closeQuietly(c);
    }

    private void markReachable() {
        if (!reachable) {
            log.info("database {} reachable again", describe());
        }
        reachable = true;
    }

    private static boolean connectionLost(SQLException e, Connection c) {
        try {
            return c.isClosed() || lostState(e);
        } catch (SQLException ignored) {
            return true;
        }
    }

    /** SQLSTATE class 08 (connection exception) or 57P (the server shut down or restarted). */
    private static boolean lostState(SQLException e) {
        String state = e.getSQLState();
        return state != null && (state.startsWith("08") || state.startsWith("57P"));
    }

    private void markUnreachableIfConnectionLost(SQLException e) {
        if (lostState(e)) {
            reachable = false;
        }
    }

    // ------------------------------------------------------------------ connections

    private Connection writeConnection() throws SQLException {
        if (writeConnection == null) {
            writeConnection = connect();
        }
        return writeConnection;
    }

    private void dropWriteConnection() {
        closeQuietly(writeConnection);
        writeConnection = null;
    }

    private void acquire() {
        if (queries != null) {
            queries.acquireUninterruptibly();
        }
    }

    private void release() {
        if (queries != null) {
            queries.release();
        }
    }

    private static void rollbackQuietly(Connection c) {
        try {
            c.rollback();
        } catch (SQLException ignored) {
            // the connection is dropped by the caller
        }
    }

    private static void closeQuietly(Connection c) {
        if (c != null) {
            try {
                c.close();
            } catch (SQLException ignored) {
                // nothing more to do with a broken connection
            }
        }
    }
}
