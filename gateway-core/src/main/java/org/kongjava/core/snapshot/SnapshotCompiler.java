package org.kongjava.core.snapshot;

import org.kongjava.config.model.EntitySet;
import org.kongjava.core.router.CompiledHttpRouter;

/** Turns an entity set into the immutable structures the data plane reads. */
public final class SnapshotCompiler {

    /**
     * @throws IllegalArgumentException when the set cannot be compiled (e.g. a regex the router rejects)
     */
    public RoutingSnapshot compile(EntitySet entities) {
        return new RoutingSnapshot(entities, CompiledHttpRouter.compile(entities));
    }
}
