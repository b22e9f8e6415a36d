package org.kongjava.core.upstream;

import io.netty.buffer.ByteBufAllocator;
import io.netty.handler.ssl.SslHandler;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import javax.net.ssl.SSLException;
import org.kongjava.config.model.EntitySet;
import org.kongjava.config.model.Service;

/**
 * The upstream TLS policies of one routing snapshot, by service id, compiled by {@link UpstreamTlsCompiler} on the
 * config-writer thread; immutable, read on the event loops. Services that do not speak TLS to their upstream have
 * no policy.
 *
 * <p>For the stream proxy ({@code tls} services) and the HTTP proxy ({@code https}, {@code grpcs}) alike:
 * {@code newHandler(service, sniHost, port, alloc)} gives the {@link SslHandler} to put first in the upstream
 * channel's pipeline; {@link UpstreamTlsPolicy#poolIdentity} extends the pool key of reusable connections.
 */
public final class UpstreamTlsContexts {
    /** A snapshot compiled without an {@link UpstreamTlsCompiler} (tests): policies built on demand with Kong's defaults. */
    public static final UpstreamTlsContexts NONE = onDemand(EntitySet.EMPTY);

    private final Map<UUID, UpstreamTlsPolicy> byService;
    private final EntitySet entities;
    // Only for on-demand instances: policies built on first use.
    private final Map<UUID, UpstreamTlsPolicy> built = new ConcurrentHashMap<>();

    UpstreamTlsContexts(Map<UUID, UpstreamTlsPolicy> byService, EntitySet entities) {
        this.byService = Map.copyOf(byService);
        this.entities = entities;
    }

    /**
     * Policies of {@code entities} built on first use with Kong's defaults (no verification unless the service asks,
     * the system trust store, no global client certificate): for snapshots made without a compiler (tests).
     */
    public static UpstreamTlsContexts onDemand(EntitySet entities) {
        return new UpstreamTlsContexts(Map.of(), entities);
    }

    /**
     * The policy of {@code service}, or null when its protocol is not TLS. In {@link #NONE} the policy is built on
     * demand with Kong's defaults (no verification): only snapshots made without a compiler (tests) get there.
     */
    public UpstreamTlsPolicy policy(Service service) {
        if (!UpstreamTlsCompiler.usesTls(service)) {
            return null;
        }
        UpstreamTlsPolicy p = byService.get(service.id());
        if (p == null) {
            p = built.computeIfAbsent(service.id(), id -> UpstreamTlsCompiler.fallback().policy(entities, service));
        }
        return p;
    }

    /**
     * The {@link SslHandler} for a new connection to {@code service}'s upstream ({@code port}: the peer's port, keys
     * TLS session reuse), verifying and sending as SNI {@code sniHost}: the upstream Host without port (the target's
     * host name or the upstream's {@code host_header}; with {@code preserve_host} the client's Host or SNI).
     *
     * @throws SSLException when the service has no usable context (its client certificate does not parse)
     * @throws IllegalArgumentException when the service does not use TLS upstream
     */
    public SslHandler newHandler(Service service, String sniHost, int port, ByteBufAllocator alloc) throws SSLException {
        UpstreamTlsPolicy p = policy(service);
        if (p == null) {
            throw new IllegalArgumentException("service " + service.id() + " protocol " + service.protocol()
                    + " does not use TLS upstream");
        }
        return p.newHandler(alloc, sniHost, port, service.connectTimeout());
    }

    /** Number of services with a policy (tests). */
    public int size() {
        return byService.size();
    }
}
