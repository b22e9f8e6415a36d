package org.kongjava.core.snapshot;

import java.util.Objects;
import org.kongjava.config.model.EntitySet;
import org.kongjava.core.balance.BalancerRegistry;
import org.kongjava.core.router.CompiledHttpRouter;
import org.kongjava.core.router.StreamRouter;
import org.kongjava.core.tls.TlsCompiler;
import org.kongjava.core.tls.TlsSnapshot;
import org.kongjava.core.upstream.UpstreamTlsCompiler;
import org.kongjava.core.upstream.UpstreamTlsContexts;

/** Turns an entity set into the immutable structures the data plane reads. */
public final class SnapshotCompiler {
    private final BalancerRegistry balancers;
    private final TlsCompiler tls;
    // Set once at start-up, before the first compile; null = policies built on demand with Kong's defaults.
    private volatile UpstreamTlsCompiler upstreamTls;

    /**
     * A compiler whose balancers have no event loops (IP targets only, no DNS, no active checks) and whose
     * snapshots carry {@link TlsSnapshot#NONE}.
     */
    public SnapshotCompiler() {
        this(BalancerRegistry.detached(), null);
    }

    /** @param balancers the node's balancer state; it outlives every snapshot compiled here */
    public SnapshotCompiler(BalancerRegistry balancers) {
        this(balancers, null);
    }

    /** A compiler whose snapshots carry the SNI indexes of the listeners registered with {@code tls}. */
    public SnapshotCompiler(TlsCompiler tls) {
        this(BalancerRegistry.detached(), Objects.requireNonNull(tls, "tls"));
    }

    /**
     * @param balancers the node's balancer state; it outlives every snapshot compiled here
     * @param tls the node's TLS contexts, or null for a node without TLS listeners
     */
    public SnapshotCompiler(BalancerRegistry balancers, TlsCompiler tls) {
        this.balancers = Objects.requireNonNull(balancers, "balancers");
        this.tls = tls;
    }

    /** The node's balancer state (health reports and overrides for the Admin API). */
    public BalancerRegistry balancerRegistry() {
        return balancers;
    }

    /** The TLS part, or null for a compiler without TLS. */
    public TlsCompiler tls() {
        return tls;
    }

    /** Makes snapshots carry upstream TLS policies compiled with {@code upstreamTls} (kong.conf's settings). */
    public SnapshotCompiler withUpstreamTls(UpstreamTlsCompiler upstreamTls) {
        this.upstreamTls = Objects.requireNonNull(upstreamTls, "upstreamTls");
        return this;
    }

    /** The upstream TLS compiler, or null when none was set. */
    public UpstreamTlsCompiler upstreamTls() {
        return upstreamTls;
    }

    /**
     * @throws IllegalArgumentException when the set cannot be compiled (e.g. a regex the router rejects)
     */
    public RoutingSnapshot compile(EntitySet entities) {
        TlsSnapshot t = tls == null ? TlsSnapshot.NONE : tls.compile(entities);
        UpstreamTlsCompiler u = upstreamTls;
        UpstreamTlsContexts ut = u == null ? UpstreamTlsContexts.onDemand(entities) : u.compile(entities);
        return new RoutingSnapshot(entities, CompiledHttpRouter.compile(entities), balancers.compile(entities), t, ut,
                StreamRouter.compile(entities));
    }
}
