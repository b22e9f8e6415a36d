package org.kongjava.config.store;

import org.kongjava.config.model.EntitySet;

/** Keeps the configuration in memory only: a restart loses it. */
public final class MemoryConfigStore implements ConfigStore {
    private volatile EntitySet current = EntitySet.EMPTY;

    @Override
    public EntitySet load() {
        return current;
    }

    @Override
    public void commit(EntitySet before, EntitySet after) {
        current = after;
    }
}
