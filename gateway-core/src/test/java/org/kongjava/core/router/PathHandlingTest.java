package org.kongjava.core.router;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assumptions.assumeTrue;
import static org.kongjava.core.router.TestRoutes.entities;
import static org.kongjava.core.router.TestRoutes.route;
import static org.kongjava.core.router.TestRoutes.service;

import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvFileSource;
import org.kongjava.config.model.Service;

/** routing.md §7 through the whole router: match, strip, join, escape. */
class PathHandlingTest {

    private static RouteMatch select(String servicePath, String routePath, boolean strip, String handling,
                                     String requestPath) {
        Service svc = service("svc", servicePath);
        TestRoutes.RouteBuilder r = route(1).service(svc).stripPath(strip).pathHandling(handling)
                .hosts("localbin.test");
        if (routePath != null) {
            r.paths(routePath);
        }
        CompiledHttpRouter router = CompiledHttpRouter.compile(entities(List.of(svc), List.of(r)));
        RouteMatch m = router.select(TestRoutes.get("localbin.test", requestPath));
        assertNotNull(m, "no match for " + requestPath);
        return m;
    }

    @ParameterizedTest(name = "[{index}] {0} + {1} strip={2} {3}: {4} -> {5}")
    @CsvFileSource(resources = "/router/path-handling.csv", numLinesToSkip = 1)
    void upstreamPath(String servicePath, String routePath, boolean strip, String handling, String requestPath,
                      String expected) {
        RouteMatch m = select(servicePath, routePath, strip, handling, requestPath);
        assertEquals(expected, m.upstreamPath());
        if (!strip || routePath == null) {
            assertEquals(null, m.strippedPrefix());
        }
    }

    /** As Kong's suite does: the same rows with the prefix turned into the regex {@code ~/[0]?<rest>}. */
    @ParameterizedTest(name = "[{index}] regex {0} + {1} strip={2} {3}: {4} -> {5}")
    @CsvFileSource(resources = "/router/path-handling.csv", numLinesToSkip = 1)
    void upstreamPathWithRegexRoute(String servicePath, String routePath, boolean strip, String handling,
                                    String requestPath, String expected) {
        assumeTrue(routePath != null && !routePath.startsWith("~") && !routePath.contains("%"),
                "host-only, regex and percent rows have no regex twin");
        String regex = "~/[0]?" + routePath.substring(1);
        RouteMatch m = select(servicePath, regex, strip, handling, requestPath);
        assertEquals(expected, m.upstreamPath());
    }
}
