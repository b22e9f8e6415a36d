package org.kongjava.core.snapshot;

import org.kongjava.config.model.EntitySet;
import org.kongjava.core.router.CompiledHttpRouter;
import org.kongjava.core.tls.TlsCompiler;
import org.kongjava.core.tls.TlsSnapshot;

/** Turns an entity set into the immutable structures the data plane reads. */
public final class SnapshotCompiler {
    private final TlsCompiler tls;

    /** A compiler for a node without TLS listeners: snapshots carry {@link TlsSnapshot#NONE}. */
    public SnapshotCompiler() {
        this.tls = null;
    }

    /** A compiler whose snapshots carry the SNI indexes of the listeners registered with {@code tls}. */
    public SnapshotCompiler(TlsCompiler tls) {
        this.tls = java.util.Objects.requireNonNull(tls, "tls");
    }

    /** The TLS part, or null for a compiler without TLS. */
    public TlsCompiler tls() {
        return tls;
    }

    /**
     * @throws IllegalArgumentException when the set cannot be compiled (e.g. a regex the router rejects)
     */
    public RoutingSnapshot compile(EntitySet entities) {
        TlsSnapshot t = tls == null ? TlsSnapshot.NONE : tls.compile(entities);
        return new RoutingSnapshot(entities, CompiledHttpRouter.compile(entities), t);
    }
}
