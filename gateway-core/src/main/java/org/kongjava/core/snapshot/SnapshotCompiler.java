package org.kongjava.core.snapshot;

import org.kongjava.config.model.EntitySet;
import org.kongjava.core.balance.BalancerRegistry;
import org.kongjava.core.router.CompiledHttpRouter;

/** Turns an entity set into the immutable structures the data plane reads. */
public final class SnapshotCompiler {
    private final BalancerRegistry balancers;

    /** A compiler whose balancers have no event loops: IP targets only, no DNS, no active checks. */
    public SnapshotCompiler() {
        this(BalancerRegistry.detached());
    }

    /** @param balancers the node's balancer state; it outlives every snapshot compiled here */
    public SnapshotCompiler(BalancerRegistry balancers) {
        this.balancers = balancers;
    }

    /** The node's balancer state (health reports and overrides for the Admin API). */
    public BalancerRegistry balancerRegistry() {
        return balancers;
    }

    /**
     * @throws IllegalArgumentException when the set cannot be compiled (e.g. a regex the router rejects)
     */
    public RoutingSnapshot compile(EntitySet entities) {
        return new RoutingSnapshot(entities, CompiledHttpRouter.compile(entities), balancers.compile(entities));
    }
}
