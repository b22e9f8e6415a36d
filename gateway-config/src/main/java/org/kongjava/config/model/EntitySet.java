package org.kongjava.config.model;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;

/**
 * The complete, versioned configuration: the unit that is validated, stored and compiled into a
 * routing snapshot. Immutable; every change makes a new set (untouched entities are shared).
 */
public final class EntitySet {
    public static final EntitySet EMPTY = new EntitySet(0, Map.of(), Map.of());

    private final long version;
    private final Map<UUID, Service> services;
    private final Map<UUID, Route> routes;
    private final Map<UUID, Upstream> upstreams;
    private final Map<UUID, Target> targets;

    public EntitySet(long version, Map<UUID, Service> services, Map<UUID, Route> routes) {
        this(version, services, routes, Map.of(), Map.of());
    }

    public EntitySet(long version, Map<UUID, Service> services, Map<UUID, Route> routes,
                     Map<UUID, Upstream> upstreams, Map<UUID, Target> targets) {
        this.version = version;
        this.services = Collections.unmodifiableMap(new LinkedHashMap<>(services));
        this.routes = Collections.unmodifiableMap(new LinkedHashMap<>(routes));
        this.upstreams = Collections.unmodifiableMap(new LinkedHashMap<>(upstreams));
        this.targets = Collections.unmodifiableMap(new LinkedHashMap<>(targets));
    }

    public long version() {
        return version;
    }

    public Map<UUID, Service> services() {
        return services;
    }

    public Map<UUID, Route> routes() {
        return routes;
    }

    public Map<UUID, Upstream> upstreams() {
        return upstreams;
    }

    public Map<UUID, Target> targets() {
        return targets;
    }

    public EntitySet withService(Service s) {
        Map<UUID, Service> next = new LinkedHashMap<>(services);
        next.put(s.id(), s);
        return new EntitySet(version + 1, next, routes, upstreams, targets);
    }

    public EntitySet withoutService(UUID id) {
        Map<UUID, Service> next = new LinkedHashMap<>(services);
        next.remove(id);
        return new EntitySet(version + 1, next, routes, upstreams, targets);
    }

    public EntitySet withRoute(Route r) {
        Map<UUID, Route> next = new LinkedHashMap<>(routes);
        next.put(r.id(), r);
        return new EntitySet(version + 1, services, next, upstreams, targets);
    }

    public EntitySet withoutRoute(UUID id) {
        Map<UUID, Route> next = new LinkedHashMap<>(routes);
        next.remove(id);
        return new EntitySet(version + 1, services, next, upstreams, targets);
    }

    public EntitySet withUpstream(Upstream u) {
        Map<UUID, Upstream> next = new LinkedHashMap<>(upstreams);
        next.put(u.id(), u);
        return new EntitySet(version + 1, services, routes, next, targets);
    }

    /** Removes the upstream and, as Kong's {@code on_delete = "cascade"} does, its targets. */
    public EntitySet withoutUpstream(UUID id) {
        Map<UUID, Upstream> next = new LinkedHashMap<>(upstreams);
        next.remove(id);
        Map<UUID, Target> kept = new LinkedHashMap<>(targets);
        kept.values().removeIf(t -> t.upstreamId().equals(id));
        return new EntitySet(version + 1, services, routes, next, kept);
    }

    public EntitySet withTarget(Target t) {
        Map<UUID, Target> next = new LinkedHashMap<>(targets);
        next.put(t.id(), t);
        return new EntitySet(version + 1, services, routes, upstreams, next);
    }

    public EntitySet withoutTarget(UUID id) {
        Map<UUID, Target> next = new LinkedHashMap<>(targets);
        next.remove(id);
        return new EntitySet(version + 1, services, routes, upstreams, next);
    }
}
