package org.kongjava.core.snapshot;

import java.util.Objects;
import org.kongjava.config.model.EntitySet;
import org.kongjava.core.router.HttpRouter;
import org.kongjava.core.tls.TlsSnapshot;

/**
 * Everything the data plane needs, compiled from one {@link EntitySet}. Immutable: a configuration
 * change builds a new snapshot and publishes it through {@link SnapshotHolder}; an exchange reads the
 * holder once and keeps its snapshot to the end.
 *
 * @param tls the SNI indexes of the TLS listeners; a TLS connection reads them once, at its handshake
 */
public record RoutingSnapshot(EntitySet entities, HttpRouter httpRouter, TlsSnapshot tls) {

    public RoutingSnapshot {
        Objects.requireNonNull(tls, "tls");
    }

    /** A snapshot without TLS listeners. */
    public RoutingSnapshot(EntitySet entities, HttpRouter httpRouter) {
        this(entities, httpRouter, TlsSnapshot.NONE);
    }

    public long version() {
        return entities.version();
    }
}
