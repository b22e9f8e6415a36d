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
    private final Map<UUID, Upstream> upstreams;
    private final Map<UUID, Target> targets;
    private final Map<UUID, CaCertificate> caCertificates;
    private final Map<UUID, Plugin> plugins;

    /** A set with services and routes only. */
    public EntitySet(long version, Map<UUID, Service> services, Map<UUID, Route> routes) {
        this(version, services, routes, Map.of(), Map.of(), Map.of(), Map.of());
    }

    /** A set of every kind; the maps are copied. */
    public EntitySet(long version, Map<UUID, Service> services, Map<UUID, Route> routes,
                     Map<UUID, Certificate> certificates, Map<UUID, Sni> snis,
                     Map<UUID, Upstream> upstreams, Map<UUID, Target> targets) {
        this(version, services, routes, certificates, snis, upstreams, targets, Map.of());
    }

    /** A set of every kind including CA certificates; the maps are copied. */
    public EntitySet(long version, Map<UUID, Service> services, Map<UUID, Route> routes,
                     Map<UUID, Certificate> certificates, Map<UUID, Sni> snis,
                     Map<UUID, Upstream> upstreams, Map<UUID, Target> targets,
                     Map<UUID, CaCertificate> caCertificates) {
        this(version, services, routes, certificates, snis, upstreams, targets, caCertificates, Map.of());
    }

    /** A set of every kind including plugins; the maps are copied. */
    public EntitySet(long version, Map<UUID, Service> services, Map<UUID, Route> routes,
                     Map<UUID, Certificate> certificates, Map<UUID, Sni> snis,
                     Map<UUID, Upstream> upstreams, Map<UUID, Target> targets,
                     Map<UUID, CaCertificate> caCertificates, Map<UUID, Plugin> plugins) {
        this.plugins = copy(plugins);
        this.caCertificates = copy(caCertificates);
        this.version = version;
        this.services = copy(services);
        this.routes = copy(routes);
        this.certificates = copy(certificates);
        this.snis = copy(snis);
        this.upstreams = copy(upstreams);
        this.targets = copy(targets);
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

    public Map<UUID, Upstream> upstreams() {
        return upstreams;
    }

    public Map<UUID, Target> targets() {
        return targets;
    }

    public Map<UUID, CaCertificate> caCertificates() {
        return caCertificates;
    }

    /** Every CA certificate replaced at once, same version. */
    public EntitySet withAllCaCertificates(Map<UUID, CaCertificate> all) {
        return new EntitySet(version, services, routes, certificates, snis, upstreams, targets, all, plugins);
    }

    public EntitySet withCaCertificate(CaCertificate c) {
        Map<UUID, CaCertificate> next = new LinkedHashMap<>(caCertificates);
        next.put(c.id(), c);
        return new EntitySet(version + 1, services, routes, certificates, snis, upstreams, targets, next, plugins);
    }

    public EntitySet withoutCaCertificate(UUID id) {
        Map<UUID, CaCertificate> next = new LinkedHashMap<>(caCertificates);
        next.remove(id);
        return new EntitySet(version + 1, services, routes, certificates, snis, upstreams, targets, next, plugins);
    }

    /** The same entities under another version (loaders, imports). */
    public EntitySet withVersion(long newVersion) {
        return new EntitySet(newVersion, services, routes, certificates, snis, upstreams, targets, caCertificates, plugins);
    }

    /** Every service replaced at once, same version (loaders build a set kind by kind). */
    public EntitySet withAllServices(Map<UUID, Service> all) {
        return new EntitySet(version, all, routes, certificates, snis, upstreams, targets, caCertificates, plugins);
    }

    /** Every route replaced at once, same version. */
    public EntitySet withAllRoutes(Map<UUID, Route> all) {
        return new EntitySet(version, services, all, certificates, snis, upstreams, targets, caCertificates, plugins);
    }

    /** Every certificate replaced at once, same version. */
    public EntitySet withAllCertificates(Map<UUID, Certificate> all) {
        return new EntitySet(version, services, routes, all, snis, upstreams, targets, caCertificates, plugins);
    }

    /** Every SNI replaced at once, same version. */
    public EntitySet withAllSnis(Map<UUID, Sni> all) {
        return new EntitySet(version, services, routes, certificates, all, upstreams, targets, caCertificates, plugins);
    }

    /** Every upstream replaced at once, same version. */
    public EntitySet withAllUpstreams(Map<UUID, Upstream> all) {
        return new EntitySet(version, services, routes, certificates, snis, all, targets, caCertificates, plugins);
    }

    /** Every target replaced at once, same version. */
    public EntitySet withAllTargets(Map<UUID, Target> all) {
        return new EntitySet(version, services, routes, certificates, snis, upstreams, all, caCertificates, plugins);
    }

    public EntitySet withService(Service s) {
        Map<UUID, Service> next = new LinkedHashMap<>(services);
        next.put(s.id(), s);
        return new EntitySet(version + 1, next, routes, certificates, snis, upstreams, targets, caCertificates, plugins);
    }

    /** Removes the service and, as Kong's {@code on_delete = "cascade"} does, the plugins scoped to it. */
    public EntitySet withoutService(UUID id) {
        Map<UUID, Service> next = new LinkedHashMap<>(services);
        next.remove(id);
        return new EntitySet(version + 1, next, routes, certificates, snis, upstreams, targets, caCertificates,
                pluginsWithout(p -> id.equals(p.serviceId())));
    }

    public EntitySet withRoute(Route r) {
        Map<UUID, Route> next = new LinkedHashMap<>(routes);
        next.put(r.id(), r);
        return new EntitySet(version + 1, services, next, certificates, snis, upstreams, targets, caCertificates, plugins);
    }

    /** Removes the route and, as Kong's {@code on_delete = "cascade"} does, the plugins scoped to it. */
    public EntitySet withoutRoute(UUID id) {
        Map<UUID, Route> next = new LinkedHashMap<>(routes);
        next.remove(id);
        return new EntitySet(version + 1, services, next, certificates, snis, upstreams, targets, caCertificates,
                pluginsWithout(p -> id.equals(p.routeId())));
    }

    public EntitySet withCertificate(Certificate c) {
        Map<UUID, Certificate> next = new LinkedHashMap<>(certificates);
        next.put(c.id(), c);
        return new EntitySet(version + 1, services, routes, next, snis, upstreams, targets, caCertificates, plugins);
    }

    /** Removes the certificate only; its SNIs stay (the schema's delete cascades). */
    public EntitySet withoutCertificate(UUID id) {
        Map<UUID, Certificate> next = new LinkedHashMap<>(certificates);
        next.remove(id);
        return new EntitySet(version + 1, services, routes, next, snis, upstreams, targets, caCertificates, plugins);
    }

    public EntitySet withSni(Sni s) {
        Map<UUID, Sni> next = new LinkedHashMap<>(snis);
        next.put(s.id(), s);
        return new EntitySet(version + 1, services, routes, certificates, next, upstreams, targets, caCertificates, plugins);
    }

    public EntitySet withoutSni(UUID id) {
        Map<UUID, Sni> next = new LinkedHashMap<>(snis);
        next.remove(id);
        return new EntitySet(version + 1, services, routes, certificates, next, upstreams, targets, caCertificates, plugins);
    }

    public EntitySet withUpstream(Upstream u) {
        Map<UUID, Upstream> next = new LinkedHashMap<>(upstreams);
        next.put(u.id(), u);
        return new EntitySet(version + 1, services, routes, certificates, snis, next, targets, caCertificates, plugins);
    }

    /** Removes the upstream and, as Kong's {@code on_delete = "cascade"} does, its targets. */
    public EntitySet withoutUpstream(UUID id) {
        Map<UUID, Upstream> next = new LinkedHashMap<>(upstreams);
        next.remove(id);
        Map<UUID, Target> kept = new LinkedHashMap<>(targets);
        kept.values().removeIf(t -> t.upstreamId().equals(id));
        return new EntitySet(version + 1, services, routes, certificates, snis, next, kept, caCertificates, plugins);
    }

    public EntitySet withTarget(Target t) {
        Map<UUID, Target> next = new LinkedHashMap<>(targets);
        next.put(t.id(), t);
        return new EntitySet(version + 1, services, routes, certificates, snis, upstreams, next, caCertificates, plugins);
    }

    public EntitySet withoutTarget(UUID id) {
        Map<UUID, Target> next = new LinkedHashMap<>(targets);
        next.remove(id);
        return new EntitySet(version + 1, services, routes, certificates, snis, upstreams, next, caCertificates, plugins);
    }

    public Map<UUID, Plugin> plugins() {
        return plugins;
    }

    /** Every plugin replaced at once, same version. */
    public EntitySet withAllPlugins(Map<UUID, Plugin> all) {
        return new EntitySet(version, services, routes, certificates, snis, upstreams, targets, caCertificates, all);
    }

    public EntitySet withPlugin(Plugin p) {
        Map<UUID, Plugin> next = new LinkedHashMap<>(plugins);
        next.put(p.id(), p);
        return new EntitySet(version + 1, services, routes, certificates, snis, upstreams, targets, caCertificates, next);
    }

    public EntitySet withoutPlugin(UUID id) {
        return new EntitySet(version + 1, services, routes, certificates, snis, upstreams, targets, caCertificates,
                pluginsWithout(p -> p.id().equals(id)));
    }

    private Map<UUID, Plugin> pluginsWithout(java.util.function.Predicate<Plugin> gone) {
        if (plugins.isEmpty()) {
            return plugins;
        }
        Map<UUID, Plugin> kept = new LinkedHashMap<>(plugins);
        kept.values().removeIf(gone);
        return kept;
    }
}
