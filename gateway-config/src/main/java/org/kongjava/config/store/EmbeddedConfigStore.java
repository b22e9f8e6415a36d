package org.kongjava.config.store;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.sqlite.SQLiteConfig;

/**
 * {@code database = embedded} (kong-java's default): SQLite in the prefix ({@code <prefix>/kong-java.db}), no
 * server. Write-ahead log with {@code synchronous = FULL}: a commit is on disk before it returns, so an
 * acknowledged Admin API write survives {@code kill -9} and power loss. Migrates itself on start.
 */
public final class EmbeddedConfigStore extends JdbcConfigStore {
    private static final Logger log = LoggerFactory.getLogger(EmbeddedConfigStore.class);
    /** The database file's name inside the prefix. */
    public static final String FILE_NAME = "kong-java.db";

    private final Path file;

    /**
     * @param file       the database file (created when missing)
     * @param pollMillis how often to look for changes written by another process ({@code config db_import})
     */
    public EmbeddedConfigStore(Path file, long pollMillis) {
        super(SqlDialect.SQLITE, pollMillis, 0);
        this.file = file.toAbsolutePath().normalize();
    }

    public Path file() {
        return file;
    }

    @Override
    protected Connection connect() throws SQLException {
        return open(file);
    }

    /**
     * Opens the database file with the settings every kong-java connection uses (WAL, synchronous FULL,
     * foreign keys, IMMEDIATE transactions), creating it (owner-only) when missing.
     */
    public static Connection open(Path file) throws SQLException {
        try {
            Files.createDirectories(file.toAbsolutePath().getParent());
        } catch (IOException e) {
            throw new SQLException("cannot create " + file.getParent() + ": " + e.getMessage(), e);
        }
        boolean fresh = !Files.exists(file);
        SQLiteConfig cfg = new SQLiteConfig();
        cfg.setJournalMode(SQLiteConfig.JournalMode.WAL);
        cfg.setSynchronous(SQLiteConfig.SynchronousMode.FULL);
        cfg.enforceForeignKeys(true);
        cfg.setBusyTimeout(10_000);
        // Writers take the lock when the transaction begins, so a commit's revision check cannot race.
        cfg.setTransactionMode(SQLiteConfig.TransactionMode.IMMEDIATE);
        Connection c = cfg.createConnection("jdbc:sqlite:" + file);
        if (fresh) {
            try {
                // The configuration will hold secrets (certificate keys, credentials): owner only.
                Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
            } catch (UnsupportedOperationException | IOException ignored) {
                // not a POSIX file system: leave the platform's default
            }
        }
        return c;
    }

    @Override
    protected void prepareSchema(Connection c) throws SQLException {
        List<String> ran = Migrations.migrateAll(c, SqlDialect.SQLITE);
        if (!ran.isEmpty()) {
            log.info("embedded database {}: ran migrations {}", file, ran);
        }
    }

    @Override
    protected String describe() {
        return "embedded database " + file;
    }
}
