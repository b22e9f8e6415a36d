package org.kongjava.config.store;

import java.io.IOException;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import org.postgresql.PGConnection;

/**
 * {@code database = postgres}: the configuration in PostgreSQL, shared by several gateway nodes as in Kong's
 * traditional mode. Every commit sends {@code NOTIFY kong_java_config}; each node's watcher LISTENs and also
 * polls every {@code db_update_frequency} seconds (a missed notification, a restarted server), so a change made
 * through any node is live on every node well within a second.
 * <p>
 * The schema is managed with {@code kong-java migrations}; start-up refuses a database that is not bootstrapped
 * or has migrations to run, as Kong does.
 */
public final class PostgresConfigStore extends JdbcConfigStore {
    static final String CHANNEL = "kong_java_config";

    private final PgSettings settings;
    private final long pollMillis;

    public PostgresConfigStore(PgSettings settings, long pollMillis) {
        super(SqlDialect.POSTGRES, pollMillis, settings.maxConcurrentQueries());
        this.settings = settings;
        this.pollMillis = pollMillis;
    }

    /** Opens a connection with the node's settings (also used by the {@code migrations} commands). */
    public static Connection open(PgSettings settings) throws SQLException {
        return DriverManager.getConnection(settings.url(), settings.properties(0));
    }

    /**
     * Creates {@code pg_schema} when it is set and missing ({@code migrations bootstrap}), as Kong does; the
     * connection's search path then finds it.
     */
    public static void createSchemaIfMissing(Connection c, PgSettings settings) throws SQLException {
        if (settings.schema() == null) {
            return;
        }
        try (Statement s = c.createStatement()) {
            s.execute("CREATE SCHEMA IF NOT EXISTS \"" + settings.schema().replace("\"", "\"\"") + "\"");
            s.execute("SET search_path TO \"" + settings.schema().replace("\"", "\"\"") + "\"");
        }
    }

    @Override
    protected Connection connect() throws SQLException {
        return open(settings);
    }

    @Override
    protected void prepareSchema(Connection c) throws SQLException, IOException {
        Migrations.Status st = Migrations.status(c);
        if (!st.bootstrapped()) {
            throw new IOException("database " + settings.describe() + " needs bootstrapping; run 'kong-java migrations bootstrap'");
        }
        if (!st.available().isEmpty()) {
            throw new IOException("database " + settings.describe() + " has new migrations " + st.available()
                    + "; run 'kong-java migrations up'");
        }
    }

    @Override
    protected Connection connectForWatch() throws SQLException {
        // A longer read timeout: this connection blocks waiting for notifications.
        return DriverManager.getConnection(settings.url(), settings.properties(pollMillis + 2000));
    }

    @Override
    protected void prepareWatch(Connection c) throws SQLException {
        try (Statement s = c.createStatement()) {
            s.execute("LISTEN " + CHANNEL);
        }
    }

    @Override
    protected void awaitChange(Connection c, long millis) throws SQLException {
        // Any notification, or the timeout: the caller re-reads the revision either way.
        c.unwrap(PGConnection.class).getNotifications((int) Math.max(1, millis));
    }

    @Override
    protected void afterWrite(Connection c, long revision) throws SQLException {
        try (Statement s = c.createStatement()) {
            s.execute("NOTIFY " + CHANNEL + ", '" + revision + "'");
        }
    }

    @Override
    protected String describe() {
        return "PostgreSQL " + settings.describe();
    }
}
