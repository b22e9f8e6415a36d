package org.kongjava.proxy.http;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.kongjava.config.model.Protocol;
import org.kongjava.config.model.Route;
import org.kongjava.config.model.Service;
import org.kongjava.core.router.HttpRouter;
import org.kongjava.core.router.RequestFacts;
import org.kongjava.core.router.RouteMatch;

/**
 * Test-only router: the longest matching path prefix wins; the upstream path is the service path
 * followed by the request path (strip_path off). Enough to drive the proxy without the real router.
 */
final class PrefixRouter implements HttpRouter {
    private record Entry(String prefix, Route route, Service service) {
    }

    private final List<Entry> entries = new ArrayList<>();

    PrefixRouter add(String prefix, Route route, Service service) {
        entries.add(new Entry(prefix, route, service));
        return this;
    }

    @Override
    public RouteMatch select(RequestFacts facts) {
        Entry best = null;
        for (Entry e : entries) {
            if (facts.rawPath().startsWith(e.prefix) && (best == null || e.prefix.length() > best.prefix.length())) {
                best = e;
            }
        }
        if (best == null) {
            return null;
        }
        String servicePath = best.service == null || best.service.path() == null ? "" : best.service.path();
        return new RouteMatch(best.route, best.service, facts.rawPath(), null, servicePath + facts.rawPath(), Map.of());
    }

    static Route route(String name, List<Protocol> protocols, int redirectCode, UUID serviceId) {
        return new Route(UUID.randomUUID(), name, protocols, null, null, List.of("/"), null, null, null, null,
                redirectCode, 0, false, "v0", false, true, true, serviceId, null, 0, 0);
    }

    static Service service(String host, int port, int retries, int connectMs, int writeMs, int readMs) {
        return new Service(UUID.randomUUID(), "svc-" + port, Protocol.HTTP, host, port, null, retries, connectMs,
                writeMs, readMs, true, null, null, null, null, null, 0, 0);
    }
}
