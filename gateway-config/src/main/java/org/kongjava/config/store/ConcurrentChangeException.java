package org.kongjava.config.store;

import java.io.IOException;
import org.kongjava.config.model.EntitySet;

/**
 * A commit refused because another node (or a {@code config db_import}) changed the stored configuration
 * since this node last read it. Nothing was written; {@link #current()} is the stored configuration now,
 * which the config writer adopts before applying the change again.
 */
public final class ConcurrentChangeException extends IOException {
    private final transient EntitySet current;

    public ConcurrentChangeException(long expected, EntitySet current) {
        super("stored configuration is at revision " + current.version() + ", expected " + expected);
        this.current = current;
    }

    /** The stored configuration, read in the same transaction that detected the change. */
    public EntitySet current() {
        return current;
    }
}
