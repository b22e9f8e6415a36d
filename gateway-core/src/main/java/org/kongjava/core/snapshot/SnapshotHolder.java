package org.kongjava.core.snapshot;

import java.util.Objects;

/** The one place the current snapshot lives: one volatile read per exchange, no locks. */
public final class SnapshotHolder {
    private volatile RoutingSnapshot current;

    public SnapshotHolder(RoutingSnapshot initial) {
        this.current = Objects.requireNonNull(initial, "initial");
    }

    public RoutingSnapshot current() {
        return current;
    }

    /** Replaces the snapshot; only the config writer calls this. */
    public void publish(RoutingSnapshot next) {
        this.current = Objects.requireNonNull(next, "next");
    }
}
