package org.kongjava.core.router;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import org.kongjava.config.model.EntitySet;
import org.kongjava.config.model.Protocol;
import org.kongjava.config.model.Route;
import org.kongjava.config.model.Service;

/** Small builders for routes, services and request facts in router tests. */
final class TestRoutes {
    private TestRoutes() {
    }

    /** A route id with a readable tail, e.g. id(1) = e8fb37f1-102d-461e-9c51-6608a6bb0001. */
    static UUID id(int n) {
        return UUID.fromString(String.format(Locale.ROOT, "e8fb37f1-102d-461e-9c51-6608a6bb%04x", n));
    }

    static Service service(String name, String path) {
        return service(name, path, true);
    }

    static Service service(String name, String path, boolean enabled) {
        UUID sid = UUID.nameUUIDFromBytes(("service-" + name).getBytes());
        return new Service(sid, name, Protocol.HTTP, "example.org", 80, path, 5, 60000, 60000, 60000, enabled,
                null, null, null, null, null, 0, 0);
    }

    static RouteBuilder route(int n) {
        return new RouteBuilder(id(n));
    }

    static RouteBuilder route(UUID id) {
        return new RouteBuilder(id);
    }

    static final class RouteBuilder {
        private final UUID id;
        private String name;
        private List<Protocol> protocols = List.of(Protocol.HTTP, Protocol.HTTPS);
        private List<String> methods;
        private List<String> hosts;
        private List<String> paths;
        private Map<String, List<String>> headers;
        private List<String> snis;
        private int regexPriority;
        private boolean stripPath = true;
        private String pathHandling = "v0";
        private UUID serviceId;

        RouteBuilder(UUID id) {
            this.id = id;
        }

        RouteBuilder name(String v) { name = v; return this; }
        RouteBuilder protocols(Protocol... v) { protocols = List.of(v); return this; }
        RouteBuilder methods(String... v) { methods = Arrays.asList(v); return this; }
        RouteBuilder hosts(String... v) { hosts = Arrays.asList(v); return this; }
        RouteBuilder paths(String... v) { paths = Arrays.asList(v); return this; }
        RouteBuilder snis(String... v) { snis = Arrays.asList(v); return this; }
        RouteBuilder regexPriority(int v) { regexPriority = v; return this; }
        RouteBuilder stripPath(boolean v) { stripPath = v; return this; }
        RouteBuilder pathHandling(String v) { pathHandling = v; return this; }
        RouteBuilder service(Service s) { serviceId = s == null ? null : s.id(); return this; }

        RouteBuilder header(String name, String... values) {
            if (headers == null) {
                headers = new LinkedHashMap<>();
            }
            headers.put(name, List.of(values));
            return this;
        }

        Route build() {
            return new Route(id, name, protocols, methods, hosts, paths, headers, snis, null, null, 426,
                    regexPriority, stripPath, pathHandling, false, true, true, serviceId, null, 0, 0);
        }
    }

    /** An entity set of the given services and routes (builders or routes). */
    static EntitySet entities(List<Service> services, List<?> routes) {
        Map<UUID, Service> s = new LinkedHashMap<>();
        for (Service svc : services) {
            s.put(svc.id(), svc);
        }
        Map<UUID, Route> r = new LinkedHashMap<>();
        for (Object o : routes) {
            Route route = o instanceof RouteBuilder b ? b.build() : (Route) o;
            r.put(route.id(), route);
        }
        return new EntitySet(1, s, r);
    }

    static CompiledHttpRouter router(Object... routes) {
        return CompiledHttpRouter.compile(entities(List.of(), List.of(routes)));
    }

    /** Headers from name/value pairs; names case-insensitive, repeated names give several values. */
    static HeaderLookup headers(String... nameValues) {
        Map<String, List<String>> m = new LinkedHashMap<>();
        for (int i = 0; i < nameValues.length; i += 2) {
            m.computeIfAbsent(nameValues[i].toLowerCase(Locale.ROOT), k -> new ArrayList<>()).add(nameValues[i + 1]);
        }
        return name -> m.getOrDefault(name.toLowerCase(Locale.ROOT), List.of());
    }

    static RequestFacts get(String host, String path) {
        return RequestFacts.http("GET", host, path);
    }

    static RequestFacts req(String method, String host, String path, HeaderLookup headers) {
        return new RequestFacts(method, host, path, headers, null, false, 80);
    }

    static RequestFacts https(String host, String path, String sni) {
        return new RequestFacts("GET", host, path, HeaderLookup.NONE, sni, true, 443);
    }
}
