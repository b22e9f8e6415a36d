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
    private final Map<UUID, Certificate> certificates;
    private final Map<UUID, Sni> snis;

    /** A set without certificates or SNIs. */
    public EntitySet(long version, Map<UUID, Service> services, Map<UUID, Route> routes) {
        this(version, services, routes, Map.of(), Map.of());
    }

    public EntitySet(long version, Map<UUID, Service> services, Map<UUID, Route> routes,
                     Map<UUID, Certificate> certificates, Map<UUID, Sni> snis) {
        this.version = version;
        this.services = copy(services);
        this.routes = copy(routes);
        this.certificates = copy(certificates);
        this.snis = copy(snis);
    }

    private static <T> Map<UUID, T> copy(Map<UUID, T> m) {
        return Collections.unmodifiableMap(new LinkedHashMap<>(m));
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

    public Map<UUID, Certificate> certificates() {
        return certificates;
    }

    public Map<UUID, Sni> snis() {
        return snis;
    }

    /** The same entities under another version (loaders, imports). */
    public EntitySet withVersion(long newVersion) {
        return new EntitySet(newVersion, services, routes, certificates, snis);
    }

    /** Every service replaced at once, same version (loaders build a set kind by kind). */
    public EntitySet withAllServices(Map<UUID, Service> all) {
        return new EntitySet(version, all, routes, certificates, snis);
    }

    /** Every route replaced at once, same version. */
    public EntitySet withAllRoutes(Map<UUID, Route> all) {
        return new EntitySet(version, services, all, certificates, snis);
    }

    /** Every certificate replaced at once, same version. */
    public EntitySet withAllCertificates(Map<UUID, Certificate> all) {
        return new EntitySet(version, services, routes, all, snis);
    }

    /** Every SNI replaced at once, same version. */
    public EntitySet withAllSnis(Map<UUID, Sni> all) {
        return new EntitySet(version, services, routes, certificates, all);
    }

    public EntitySet withService(Service s) {
        Map<UUID, Service> next = new LinkedHashMap<>(services);
        next.put(s.id(), s);
        return new EntitySet(version + 1, next, routes, certificates, snis);
    }

    public EntitySet withoutService(UUID id) {
        Map<UUID, Service> next = new LinkedHashMap<>(services);
        next.remove(id);
        return new EntitySet(version + 1, next, routes, certificates, snis);
    }

    public EntitySet withRoute(Route r) {
        Map<UUID, Route> next = new LinkedHashMap<>(routes);
        next.put(r.id(), r);
        return new EntitySet(version + 1, services, next, certificates, snis);
    }

    public EntitySet withoutRoute(UUID id) {
        Map<UUID, Route> next = new LinkedHashMap<>(routes);
        next.remove(id);
        return new EntitySet(version + 1, services, next, certificates, snis);
    }

    public EntitySet withCertificate(Certificate c) {
        Map<UUID, Certificate> next = new LinkedHashMap<>(certificates);
        next.put(c.id(), c);
        return new EntitySet(version + 1, services, routes, next, snis);
    }

    /** Removes the certificate only; its SNIs stay (the schema's delete cascades). */
    public EntitySet withoutCertificate(UUID id) {
        Map<UUID, Certificate> next = new LinkedHashMap<>(certificates);
        next.remove(id);
        return new EntitySet(version + 1, services, routes, next, snis);
    }

    public EntitySet withSni(Sni s) {
        Map<UUID, Sni> next = new LinkedHashMap<>(snis);
        next.put(s.id(), s);
        return new EntitySet(version + 1, services, routes, certificates, next);
    }

    public EntitySet withoutSni(UUID id) {
        Map<UUID, Sni> next = new LinkedHashMap<>(snis);
        next.remove(id);
        return new EntitySet(version + 1, services, routes, certificates, next);
    }
}
