package org.kongjava.core.router;

import org.kongjava.config.route.PathNormalizer;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.kongjava.config.model.EntitySet;
import org.kongjava.config.model.Route;

/** 10,000 mixed routes: the index must pick exactly what Kong's ordered scan picks. */
class LargeRouterTest {
    private static final int N = 10_000;
    private static final int REQUESTS = 8_000;
    private static EntitySet entities;
    private static CompiledHttpRouter router;
    private static List<CompiledRoute> ranked;

    @BeforeAll
    static void compile() {
        entities = RouteCorpus.generate(N);
        router = CompiledHttpRouter.compile(entities);
        // The reference: every matcher in priority order, tried one by one (what Kong's ATC scan does).
        List<RouteSpec> specs = new ArrayList<>();
        for (Route r : entities.routes().values()) {
            specs.addAll(RouteSpec.parse(r, entities.services().get(r.serviceId())));
        }
        specs.sort(RouteSpec.PRIORITY_ORDER);
        ranked = new ArrayList<>(specs.size());
        for (int i = 0; i < specs.size(); i++) {
            ranked.add(new CompiledRoute(i, specs.get(i)));
        }
    }

    private static RouteMatch scan(RequestFacts f) {
        RequestContext req = new RequestContext(f, PathNormalizer.normalize(f.rawPath()));
        for (CompiledRoute c : ranked) {
            RouteMatch m = c.match(req);
            if (m != null) {
                return m;
            }
        }
        return null;
    }

    @Test
    void splitRoutesAddMatchers() {
        // every 10th route has 3 path groups, except the 2 wildcard routes per 1000
        assertEquals(N + 2 * (N / 10 - 2 * (N / 1000)), router.size());
    }

    @Test
    void indexAgreesWithFullScan() {
        int matched = 0;
        for (RequestFacts f : RouteCorpus.requests(N, REQUESTS, 42)) {
            RouteMatch want = scan(f);
            RouteMatch got = router.select(f);
            if (want == null) {
                assertNull(got, () -> "expected no match for " + f.host() + f.rawPath());
                continue;
            }
            matched++;
            assertNotNull(got, () -> "expected " + want.route().name() + " for " + f.host() + f.rawPath());
            assertEquals(want.route().id(), got.route().id(), () -> f.host() + " " + f.rawPath());
            assertEquals(want.upstreamPath(), got.upstreamPath());
            assertEquals(want.captures(), got.captures());
        }
        assertTrue(matched > REQUESTS / 2, "the request mix should mostly match, matched " + matched);
    }

    @Test
    void rightRouteWinsAmongMany() {
        // exact host + prefix, strip_path on even ids: /svc + /42
        RouteMatch a = router.select(TestRoutes.get(RouteCorpus.exactHost(1232), "/api/1232/items/42"));
        assertEquals(RouteCorpus.routeId(1232), a.route().id());
        assertEquals("/svc/42", a.upstreamPath());
        // methods + header route (weight 4) on the same host as other routes
        RouteMatch b = router.select(TestRoutes.req("POST", RouteCorpus.exactHost(1238), "/api/1238/x",
                TestRoutes.headers("X-Version", "V3")));
        assertEquals(RouteCorpus.routeId(1238), b.route().id());
        // same host, same weight, both match: the longer prefix (/api/2828 over /api/28) wins
        HeaderLookup v3 = TestRoutes.headers("x-version", "v3");
        assertEquals(RouteCorpus.routeId(2828),
                router.select(TestRoutes.req("GET", RouteCorpus.exactHost(28), "/api/2828/x", v3)).route().id());
        assertEquals(RouteCorpus.routeId(28),
                router.select(TestRoutes.req("GET", RouteCorpus.exactHost(28), "/api/28/x", v3)).route().id());
        RouteMatch c = router.select(TestRoutes.get(RouteCorpus.exactHost(2380), "/api/2380/items"));
        assertEquals(RouteCorpus.routeId(2380), c.route().id());
        // wildcard suffix and prefix hosts
        assertEquals(RouteCorpus.routeId(1434), router.select(TestRoutes.get("a.b.tenant34.example.org", "/t/1434")).route().id());
        assertEquals(RouteCorpus.routeId(1435), router.select(TestRoutes.get("shop35.example.net", "/s/1435")).route().id());
        // regex with named capture
        RouteMatch d = router.select(TestRoutes.get("any.test", "/re/1237/99"));
        assertEquals(RouteCorpus.routeId(1237), d.route().id());
        assertEquals(Map.of("0", "/re/1237/99", "1", "99", "id", "99"), d.captures());
        // split route: the regex group outranks the prefix groups
        assertEquals(RouteCorpus.routeId(1239), router.select(TestRoutes.get("x.test", "/multi/1239/7")).route().id());
        assertNull(router.select(TestRoutes.get(RouteCorpus.exactHost(1232), "/nothing/1232")));
        // a "*.example.com" route catches what the exact host's own routes miss
        RouteMatch w = router.select(TestRoutes.get(RouteCorpus.exactHost(1232), "/api/99999/items"));
        assertNotNull(w);
        assertTrue(w.route().hosts().get(0).contains("*"), w.route().hosts().toString());
    }
}
