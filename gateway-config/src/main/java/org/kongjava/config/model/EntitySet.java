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

    public EntitySet(long version, Map<UUID, Service> services, Map<UUID, Route> routes) {
        this.version = version;
        this.services = Collections.unmodifiableMap(new LinkedHashMap<>(services));
        this.routes = Collections.unmodifiableMap(new LinkedHashMap<>(routes));
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

    public EntitySet withService(Service s) {
        Map<UUID, Service> next = new LinkedHashMap<>(services);
        next.put(s.id(), s);
        return new EntitySet(version + 1, next, routes);
    }

    public EntitySet withoutService(UUID id) {
        Map<UUID, Service> next = new LinkedHashMap<>(services);
        next.remove(id);
        return new EntitySet(version + 1, next, routes);
    }

    public EntitySet withRoute(Route r) {
        Map<UUID, Route> next = new LinkedHashMap<>(routes);
        next.put(r.id(), r);
        return new EntitySet(version + 1, services, next);
    }

    public EntitySet withoutRoute(UUID id) {
        Map<UUID, Route> next = new LinkedHashMap<>(routes);
        next.remove(id);
        return new EntitySet(version + 1, services, next);
    }
}
