package org.kongjava.core.tls;

import java.util.Map;

/**
 * The TLS part of a routing snapshot: for each registered listener kind, the index that maps a client's SNI to the
 * server context (the snapshot's Certificate/SNI entities, then the listener's own certificate). Immutable; a TLS
 * pipeline reads it once per connection, at the ClientHello, so a new snapshot changes only later handshakes.
 */
public final class TlsSnapshot {
    /** No TLS listener registered: every lookup is null. */
    public static final TlsSnapshot NONE = new TlsSnapshot(Map.of());

    private final Map<ListenerTls, SniSelector> indexes;

    TlsSnapshot(Map<ListenerTls, SniSelector> indexes) {
        this.indexes = Map.copyOf(indexes);
    }

    /** The index for {@code listener}, or null when that listener kind was never registered. */
    public SniSelector index(ListenerTls listener) {
        return indexes.get(listener);
    }

    /** The registered listener kinds (tests, logs). */
    public java.util.Set<ListenerTls> listeners() {
        return indexes.keySet();
    }
}
