package org.kongjava.core.snapshot;

import org.kongjava.config.model.EntitySet;
import org.kongjava.core.router.HttpRouter;

/**
 * Everything the data plane needs, compiled from one {@link EntitySet}. Immutable: a configuration
 * change builds a new snapshot and publishes it through {@link SnapshotHolder}; an exchange reads the
 * holder once and keeps its snapshot to the end.
 */
public record RoutingSnapshot(EntitySet entities, HttpRouter httpRouter) {

    public long version() {
        return entities.version();
    }
}
