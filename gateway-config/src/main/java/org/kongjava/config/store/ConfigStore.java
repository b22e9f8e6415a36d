package org.kongjava.config.store;

import java.io.IOException;
import java.util.function.Consumer;
import org.kongjava.config.model.EntitySet;

/**
 * Where the configuration lives. Called only from the single config-writer thread, never from an
 * event loop: implementations may block.
 */
public interface ConfigStore extends AutoCloseable {

    /** Reads the whole configuration; called once before listeners bind. */
    EntitySet load() throws IOException;

    /** Makes {@code after} durable before it is published; a failure leaves the stored state unchanged. */
    void commit(EntitySet before, EntitySet after) throws IOException;

    /** Changes made by other nodes sharing this store (none for single-node stores). */
    default void onExternalChange(Consumer<EntitySet> listener) {
    }

    /**
     * Whether the last contact with the database worked ({@code database.reachable} in {@code GET /status});
     * stores without a server are always reachable.
     */
    default boolean reachable() {
        return true;
    }

    @Override
    default void close() throws IOException {
    }
}
