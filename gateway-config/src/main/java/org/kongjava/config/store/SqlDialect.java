package org.kongjava.config.store;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;

/** What differs between the SQL engines the stores run on. */
public enum SqlDialect {
    /** SQLite: one writer at a time by construction (transactions begin IMMEDIATE). */
    SQLITE {
        @Override
        void lockMigrations(Connection c) {
            // BEGIN IMMEDIATE (the connection's transaction mode) already holds the write lock.
        }

        @Override
        String lockRevision() {
            return "SELECT value FROM kj_meta WHERE key = 'revision'";
        }
    },
    /** PostgreSQL: several nodes; migrations serialize on an advisory lock, commits on the revision row. */
    POSTGRES {
        @Override
        void lockMigrations(Connection c) throws SQLException {
            try (Statement s = c.createStatement()) {
                s.execute("SELECT pg_advisory_xact_lock(4242424242)");
            }
        }

        @Override
        String lockRevision() {
            return "SELECT value FROM kj_meta WHERE key = 'revision' FOR UPDATE";
        }
    };

    /** Serializes migration commands across processes, for the current transaction. */
    abstract void lockMigrations(Connection c) throws SQLException;

    /** Reads the stored revision, locking it until the transaction ends. */
    abstract String lockRevision();
}
