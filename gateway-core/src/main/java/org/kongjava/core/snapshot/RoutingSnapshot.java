package org.kongjava.core.snapshot;

import java.util.Objects;
import org.kongjava.config.model.EntitySet;
import org.kongjava.core.balance.Balancer;
import org.kongjava.core.balance.Balancers;
import org.kongjava.core.plugin.IpRestrictionRules;
import org.kongjava.core.router.HttpRouter;
import org.kongjava.core.router.StreamRouter;
import org.kongjava.core.tls.TlsSnapshot;
import org.kongjava.core.upstream.UpstreamTlsContexts;

/**
 * Everything the data plane needs, compiled from one {@link EntitySet}. Immutable: a configuration
 * change builds a new snapshot and publishes it through {@link SnapshotHolder}; an exchange reads the
 * holder once and keeps its snapshot to the end.
 *
 * @param balancers one {@link Balancer} per upstream, by upstream name; their live health and connection
 *                  state is shared across snapshots (see {@code BalancerRegistry})
 * @param tls the SNI indexes of the TLS listeners; a TLS connection reads them once, at its handshake
 * @param upstreamTls the TLS policies towards the upstreams of {@code https}, {@code grpcs} and {@code tls} services
 * @param streamRouter the router of {@code stream_listen} connections (tcp, tls, tls_passthrough routes)
 * @param ipRestrictions the {@code ip-restriction} plugins, compiled per route and service
 */
public record RoutingSnapshot(EntitySet entities, HttpRouter httpRouter, Balancers balancers, TlsSnapshot tls,
                              UpstreamTlsContexts upstreamTls, StreamRouter streamRouter, IpRestrictionRules ipRestrictions) {

    public RoutingSnapshot {
        Objects.requireNonNull(ipRestrictions, "ipRestrictions");
        Objects.requireNonNull(balancers, "balancers");
        Objects.requireNonNull(tls, "tls");
        Objects.requireNonNull(upstreamTls, "upstreamTls");
        Objects.requireNonNull(streamRouter, "streamRouter");
    }

    /** A snapshot whose plugins are compiled from {@code entities} here. */
    public RoutingSnapshot(EntitySet entities, HttpRouter httpRouter, Balancers balancers, TlsSnapshot tls,
                           UpstreamTlsContexts upstreamTls, StreamRouter streamRouter) {
        this(entities, httpRouter, balancers, tls, upstreamTls, streamRouter, IpRestrictionRules.compile(entities));
    }

    /**
     * A snapshot made without a compiler: upstream TLS policies are built on demand with Kong's defaults and the
     * stream router is compiled from {@code entities} here.
     */
    public RoutingSnapshot(EntitySet entities, HttpRouter httpRouter, Balancers balancers, TlsSnapshot tls) {
        this(entities, httpRouter, balancers, tls, UpstreamTlsContexts.onDemand(entities), StreamRouter.compile(entities));
    }

    /** A snapshot without TLS listeners. */
    public RoutingSnapshot(EntitySet entities, HttpRouter httpRouter, Balancers balancers) {
        this(entities, httpRouter, balancers, TlsSnapshot.NONE);
    }

    /** A snapshot without upstreams' balancers (services then resolve their host with DNS). */
    public RoutingSnapshot(EntitySet entities, HttpRouter httpRouter, TlsSnapshot tls) {
        this(entities, httpRouter, Balancers.EMPTY, tls);
    }

    /** A snapshot without balancers or TLS listeners. */
    public RoutingSnapshot(EntitySet entities, HttpRouter httpRouter) {
        this(entities, httpRouter, Balancers.EMPTY, TlsSnapshot.NONE);
    }

    public long version() {
        return entities.version();
    }

    /** The balancer for a service host, or null when the host names no upstream. */
    public Balancer balancer(String serviceHost) {
        return balancers.forHost(serviceHost);
    }
}
