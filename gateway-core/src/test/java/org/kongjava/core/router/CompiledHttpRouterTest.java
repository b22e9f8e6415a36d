package org.kongjava.core.router;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.kongjava.core.router.TestRoutes.entities;
import static org.kongjava.core.router.TestRoutes.get;
import static org.kongjava.core.router.TestRoutes.headers;
import static org.kongjava.core.router.TestRoutes.https;
import static org.kongjava.core.router.TestRoutes.id;
import static org.kongjava.core.router.TestRoutes.req;
import static org.kongjava.core.router.TestRoutes.route;
import static org.kongjava.core.router.TestRoutes.router;
import static org.kongjava.core.router.TestRoutes.service;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.kongjava.config.model.Protocol;
import org.kongjava.config.model.Route;
import org.kongjava.config.model.Service;

class CompiledHttpRouterTest {

    private static UUID winner(HttpRouter r, RequestFacts f) {
        RouteMatch m = r.select(f);
        return m == null ? null : m.route().id();
    }

    @Nested
    class WhichRoutes {
        @Test
        void streamRoutesAreLeftOut() {
            HttpRouter r = router(route(1).protocols(Protocol.TCP).paths("/"), route(2).protocols(Protocol.GRPCS).paths("/g"));
            assertNull(r.select(get("a.test", "/x")));
            assertEquals(id(2), winner(r, get("a.test", "/g")));
        }

        @Test
        void disabledServiceLeavesItsRoutesOut() {
            Service off = service("off", null, false);
            Service on = service("on", "/on");
            HttpRouter r = CompiledHttpRouter.compile(entities(List.of(off, on),
                    List.of(route(1).service(off).paths("/a/b"), route(2).service(on).paths("/a"))));
            RouteMatch m = r.select(get("x.test", "/a/b"));
            assertEquals(id(2), m.route().id(), "the longer prefix belongs to a disabled service");
            assertSame(on, m.service());
        }

        @Test
        void routeWithoutServiceMatchesWithNullService() {
            RouteMatch m = router(route(8).paths("/serviceless")).select(get("x.test", "/serviceless"));
            assertNotNull(m);
            assertNull(m.service());
            assertEquals("/serviceless", m.normalizedPath());
        }

        @Test
        void emptyRouterMatchesNothing() {
            assertNull(CompiledHttpRouter.compile(org.kongjava.config.model.EntitySet.EMPTY).select(get("a", "/")));
        }
    }

    @Nested
    class Hosts {
        private final HttpRouter r = router(
                route(1).hosts("domain-1.org", "domain-2.org"),
                route(13).hosts("domain-1.org:321", "domain-2.org"),
                route(14).hosts("domain-3.org:321"),
                route(20).hosts("*.route.com"),
                route(21).hosts("route.*"),
                route(22).hosts("plain.route.com"));

        @Test
        void exactHostAnyPort() {
            assertEquals(id(1), winner(r, get("domain-1.org", "/")));
            assertEquals(id(1), winner(r, get("domain-1.org:80", "/")));
            assertEquals(id(1), winner(r, get("domain-1.org:123", "/")));
        }

        @Test
        void portSpecificHostNeedsThatPort() {
            assertEquals(id(13), winner(r, get("domain-1.org:321", "/")), "equal priority: greater id first");
            assertEquals(id(14), winner(r, get("domain-3.org:321", "/")));
            assertNull(r.select(get("domain-3.org:123", "/")));
            assertNull(r.select(get("domain-3.org", "/")), "listener port 80 is the dst port");
        }

        @Test
        void hostWithoutPortUsesListenerPort() {
            RequestFacts f = new RequestFacts("GET", "domain-3.org", "/", HeaderLookup.NONE, null, false, 321);
            assertEquals(id(14), winner(r, f));
        }

        @Test
        void hostsAreCaseSensitiveAsInKong() {
            assertNull(r.select(get("DOMAIN-3.org:321", "/")));
        }

        @Test
        void leadingWildcardMatchesAnyDepth() {
            assertEquals(id(20), winner(r, get("foo.route.com", "/")));
            assertEquals(id(20), winner(r, get("a.b.route.com:123", "/")));
            assertNull(r.select(get("xroute.com", "/")));
        }

        @Test
        void trailingWildcardMatchesAnySuffix() {
            assertEquals(id(21), winner(r, get("route.org", "/")));
            assertEquals(id(21), winner(r, get("route.co.uk", "/")));
            assertNull(r.select(get("myroute.org", "/")));
        }

        @Test
        void plainHostBeatsWildcard() {
            // plain.route.com matches *.route.com too; the plain-host-only bit decides
            assertEquals(id(22), winner(r, get("plain.route.com", "/")));
            // route.com: only route.* matches (*.route.com needs a label before)
            assertEquals(id(21), winner(r, get("route.com", "/")));
        }

        @Test
        void wildcardWithPort() {
            HttpRouter w = router(route(1).hosts("*.route.net:123"), route(2).hosts("route.*"), route(3).hosts("route.*:123"));
            assertEquals(id(1), winner(w, get("foo.route.net:123", "/")));
            assertNull(w.select(get("foo.route.net:456", "/")));
            assertEquals(id(3), winner(w, get("route.org:123", "/")));
            assertEquals(id(2), winner(w, get("route.org:124", "/")));
        }

        @Test
        void wildcardRoutesStillApplyToHostsThatHaveExactRoutes() {
            HttpRouter w = router(route(1).hosts("*.example.com"), route(2).hosts("api.example.com").methods("POST"),
                    route(3).hosts("shop.*"), route(4).hosts("shop.example.com").methods("PUT"));
            assertEquals(id(2), winner(w, req("POST", "api.example.com", "/", HeaderLookup.NONE)));
            assertEquals(id(1), winner(w, get("api.example.com", "/")));
            assertEquals(id(3), winner(w, get("shop.example.com", "/")), "both wildcards match: greater id");
            assertEquals(id(4), winner(w, req("PUT", "shop.example.com:8000", "/", HeaderLookup.NONE)));
            assertEquals(id(1), winner(w, get("other.example.com", "/")));
        }

        @Test
        void missingHostMatchesOnlyHostlessRoutes() {
            HttpRouter w = router(route(1).hosts("a.test"), route(2).paths("/my-route"));
            assertEquals(id(2), winner(w, get(null, "/my-route-uri")));
            assertEquals(id(2), winner(w, get("", "/my-route")));
            assertNull(w.select(get(null, "/")));
        }

        @Test
        void bracketedIpv6HostKeepsItsPortLikeKong() {
            // split_host_port splits at the first ':'; "[::1]:8000" has no numeric tail there
            HttpRouter w = router(route(1).hosts("[::1]"));
            assertEquals(id(1), winner(w, new RequestFacts("GET", "[::1]", "/", HeaderLookup.NONE, null, false, 8000)));
            assertNull(w.select(new RequestFacts("GET", "[::1]:8000", "/", HeaderLookup.NONE, null, false, 8000)));
        }
    }

    @Nested
    class Methods {
        @Test
        void methodEquality() {
            HttpRouter r = router(route(1).methods("POST", "PUT"), route(2).methods("GET"));
            assertEquals(id(1), winner(r, req("PUT", "x", "/", HeaderLookup.NONE)));
            assertEquals(id(2), winner(r, req("GET", "x", "/", HeaderLookup.NONE)));
            assertNull(r.select(req("post", "x", "/", HeaderLookup.NONE)), "methods are case-sensitive");
        }

        @Test
        void hostAndMethodBeatHost() {
            HttpRouter r = router(route(2).hosts("example.com").methods("POST"), route(9).hosts("example.com"));
            assertEquals(id(2), winner(r, req("POST", "example.com", "/", HeaderLookup.NONE)));
            assertEquals(id(9), winner(r, req("GET", "example.com", "/", HeaderLookup.NONE)));
        }
    }

    @Nested
    class Headers {
        @Test
        void valuesCompareCaseInsensitively() {
            HttpRouter r = router(route(1).header("user_agent", "foo", "bar"), route(2).header("user-agent", "BAZ"));
            assertEquals(id(1), winner(r, req("GET", null, "/", headers("User-Agent", "FOO"))));
            assertEquals(id(2), winner(r, req("GET", null, "/", headers("USER-AGENT", "baz"))));
            assertNull(r.select(req("GET", null, "/", headers("User-Agent", "qux"))));
            assertNull(r.select(req("GET", null, "/", HeaderLookup.NONE)));
        }

        @Test
        void anyOfSeveralRequestValuesMayMatch() {
            HttpRouter r = router(route(1).header("location", "east", "west"));
            assertEquals(id(1), winner(r, req("GET", null, "/", headers("location", "north", "location", "west"))));
        }

        @Test
        void everyConfiguredHeaderMustMatch() {
            HttpRouter r = router(route(1).header("location", "my-location-1").header("version", "v1", "v2"));
            assertEquals(id(1), winner(r, req("GET", null, "/", headers("location", "my-location-1", "version", "v2"))));
            assertNull(r.select(req("GET", null, "/", headers("location", "my-location-1"))));
        }

        @Test
        void regexValueIsUnanchoredAndLowerCased() {
            HttpRouter r = router(route(15).header("user_agent", "~*windows|linux|os\\s+x\\s*[\\d\\._]+|solaris|bsd"));
            assertEquals(id(15), winner(r, req("GET", null, "/", headers("user-agent", "Mozilla/5.0 (X11; Linux x86_64)"))));
            assertEquals(id(15), winner(r, req("GET", null, "/", headers("user-agent", "Mac OS X 10_15"))));
            assertNull(r.select(req("GET", null, "/", headers("user-agent", "curl/8.0"))));
            HttpRouter upper = router(route(1).header("x-env", "~*^PROD$"));
            assertEquals(id(1), winner(upper, req("GET", null, "/", headers("x-env", "Prod"))));
        }

        @Test
        void moreHeadersWin() {
            HttpRouter r = router(
                    route(1).header("version", "v1", "v2").header("user_agent", "foo", "bar"),
                    route(2).header("version", "v1", "v2").header("user_agent", "foo", "bar").header("location", "east", "west"));
            assertEquals(id(2), winner(r, req("GET", null, "/", headers("version", "v1", "user-agent", "foo", "location", "west"))));
            assertEquals(id(1), winner(r, req("GET", null, "/", headers("version", "v1", "user-agent", "foo"))));
        }

        @Test
        void moreHeadersBeatLongerPath() {
            HttpRouter r = router(route(1).header("version", "v1").paths("/my-route/hello"),
                    route(2).header("version", "v1").header("location", "us-east").paths("/my-route"));
            assertEquals(id(2), winner(r, req("GET", "x", "/my-route/hello", headers("version", "v1", "location", "us-east"))));
        }

        @Test
        void badHeaderRegexIsRejectedNamingTheRoute() {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> router(route(3).name("bad").header("x-a", "~*(unclosed")));
            assertTrue(e.getMessage().contains(id(3).toString()) && e.getMessage().contains("bad")
                    && e.getMessage().contains("x-a"), e.getMessage());
        }
    }

    @Nested
    class Snis {
        private final HttpRouter r = router(
                route(1).snis("*.sni.test"),
                route(2).snis("sni.*"),
                route(3).snis("exact.test.").paths("/exact"),
                route(4).paths("/fallback"));

        @Test
        void wildcardSnisOnHttps() {
            assertEquals(id(1), winner(r, https("any.test", "/", "foo.sni.test")));
            assertEquals(id(1), winner(r, https("any.test", "/", "foo.bar.sni.test")));
            assertEquals(id(2), winner(r, https("any.test", "/", "sni.foo.bar")));
            assertNull(r.select(https("any.test", "/", "bar.sni.foo")));
            assertNull(r.select(https("any.test", "/", "foo.sni.test.bar")));
        }

        @Test
        void trailingDotIgnoredInRouteValue() {
            assertEquals(id(3), winner(r, https("any.test", "/exact", "exact.test")));
        }

        @Test
        void snisAreSkippedOnPlainHttp() {
            assertEquals(id(3), winner(r, get("any.test", "/exact")));
            // routes 1 and 2 both match over http; equal priority, so the greater id
            assertEquals(id(2), winner(r, get("any.test", "/")), "sni condition treated as satisfied over http");
        }

        @Test
        void httpsWithoutSniDoesNotMatchSniRoutes() {
            assertNull(r.select(https("any.test", "/exact", null)));
            assertNull(r.select(https("any.test", "/", null)));
            assertEquals(id(4), winner(r, https("any.test", "/fallback", null)));
        }
    }

    @Nested
    class Paths {
        @Test
        void prefixIsPureStringPrefix() {
            HttpRouter r = router(route(1).paths("/foo"));
            assertEquals(id(1), winner(r, get("x", "/foo")));
            assertEquals(id(1), winner(r, get("x", "/foobar")));
            assertEquals(id(1), winner(r, get("x", "/foo/bar")));
            assertNull(r.select(get("x", "/fo")));
            assertNull(r.select(get("x", "/something/foo")));
        }

        @Test
        void longerPrefixWins() {
            HttpRouter r = router(route(1).paths("/v1"), route(2).paths("/v1/users"));
            assertEquals(id(2), winner(r, get("x", "/v1/users/1")));
            assertEquals(id(1), winner(r, get("x", "/v1/user")));
        }

        @Test
        void regexAnchoredAtStartOnly() {
            HttpRouter r = router(route(1).paths("~/users/\\d+/profile"));
            assertEquals(id(1), winner(r, get("x", "/users/123/profile/more")));
            assertNull(r.select(get("x", "/api/users/123/profile")));
        }

        @Test
        void regexBeatsPrefixEvenAnExactOne() {
            HttpRouter r = router(route(1).paths("/users/123/profile"), route(2).paths("~/users/\\d+/profile"));
            assertEquals(id(2), winner(r, get("x", "/users/123/profile")));
        }

        @Test
        void pathIsNormalizedBeforeMatching() {
            HttpRouter r = router(route(1).paths("/a/c"), route(2).paths("/kong"));
            RouteMatch m = r.select(get("x", "/a/./b/../c"));
            assertEquals(id(1), m.route().id());
            assertEquals("/a/c", m.normalizedPath());
            assertEquals(id(2), winner(r, get("x", "/%6B%6f%6e%67")));
            assertEquals(id(1), winner(r, get("x", "//a//c")));
        }

        @Test
        void reservedPercentEncodingIsKept() {
            HttpRouter r = router(route(1).paths("/endel%2Fst").stripPath(false), route(2).paths("~/regex-reserved%2Fabc"));
            RouteMatch m = r.select(get("x", "/endel%2fst"));
            assertEquals(id(1), m.route().id());
            assertEquals("/endel%2Fst", m.upstreamPath());
            assertNull(r.select(get("x", "/endel/st")));
            assertEquals(id(2), winner(r, get("x", "/regex-reserved%2Fabc")));
            assertNull(r.select(get("x", "/regex-reserved/abc")));
        }

        @Test
        void regexSeesThePathAfterDecoding() {
            HttpRouter r = router(route(1).paths("~/files/a\\.b$"));
            assertEquals(id(1), winner(r, get("x", "/files/a%2Eb")));
            assertEquals(id(1), winner(r, get("x", "/files/%61.b")));
            assertNull(r.select(get("x", "/files/aXb")));
        }

        @Test
        void capturesOfRegexPath() {
            HttpRouter r = router(route(1).paths("~/users/(?P<user_id>\\d+)/profile/?(?<scope>[a-z]*)"));
            RouteMatch m = r.select(get("x", "/users/1984/profile/email"));
            assertEquals(Map.of("0", "/users/1984/profile/email", "1", "1984", "2", "email",
                    "user_id", "1984", "scope", "email"), m.captures());
        }

        @Test
        void capturesSkipNonParticipatingGroupsAndAreNormalized() {
            HttpRouter r = router(route(1).paths("~/(users/)?1984/(?<subpath>profile)$"),
                    route(2).paths("~/people/(?P<fullname>[a-zA-Z\\s\\d%]+)/profile"));
            RouteMatch m = r.select(get("x", "/1984/profile"));
            assertEquals(Map.of("0", "/1984/profile", "2", "profile", "subpath", "profile"), m.captures());
            RouteMatch n = r.select(get("x", "/people/%6aohn%20doe/profile"));
            assertEquals("john doe", n.captures().get("fullname"));
            assertEquals("/people/john doe/profile", n.captures().get("0"));
        }

        @Test
        void noCapturesForPrefixOrGrouplessRegex() {
            HttpRouter r = router(route(1).paths("/hello"), route(2).paths("~/users/\\d+/profile"));
            assertEquals(Map.of(), r.select(get("x", "/hello/world")).captures());
            assertEquals(Map.of(), r.select(get("x", "/users/1/profile")).captures());
        }

        @Test
        void stripPrefixAndRegex() {
            HttpRouter r = router(route(1).paths("/my-route", "/xx-route").stripPath(true),
                    route(2).methods("POST").paths("/my-route", "/xx-route").stripPath(false),
                    route(3).paths("~/users/(\\d+)/profile").stripPath(true));
            RouteMatch a = r.select(get("x", "/my-route/hello/world"));
            assertEquals("/my-route", a.strippedPrefix());
            assertEquals("/hello/world", a.upstreamPath());
            RouteMatch b = r.select(get("x", "/xx-route"));
            assertEquals("/xx-route", b.strippedPrefix());
            assertEquals("/", b.upstreamPath());
            RouteMatch c = r.select(req("POST", "x", "/my-route/hello/world", HeaderLookup.NONE));
            assertEquals(id(2), c.route().id());
            assertNull(c.strippedPrefix());
            assertEquals("/my-route/hello/world", c.upstreamPath());
            RouteMatch d = r.select(get("x", "/users/123/profile/hello/world"));
            assertEquals("/users/123/profile", d.strippedPrefix());
            assertEquals("/hello/world", d.upstreamPath());
        }

        @Test
        void rootRouteStripsNothingVisible() {
            RouteMatch m = router(route(1).paths("/").stripPath(true)).select(get("x", "/my-route/hello/world"));
            assertEquals("/", m.strippedPrefix());
            assertEquals("/my-route/hello/world", m.upstreamPath());
        }

        @Test
        void catastrophicBacktrackingIsCutOffAsNoMatch() {
            // Kong's Rust engine is linear; java.util.regex backtracks polynomially here (~0.5 s at 24
            // characters, far longer at 60) unless the step budget stops it
            HttpRouter r = router(route(1).paths("~/(.*a){12}$"), route(2).header("x-a", "~*^(.*b){12}$"), route(3).paths("/"));
            String evil = "/" + "a".repeat(60) + "!";
            RouteMatch m = assertTimeoutPreemptively(Duration.ofSeconds(5), () -> r.select(get("x", evil)));
            assertEquals(id(3), m.route().id());
            assertEquals(id(1), winner(r, get("x", "/" + "a".repeat(12))));
            RequestFacts evilHeader = req("GET", "x", "/", headers("x-a", "b".repeat(60) + "!"));
            assertEquals(id(3), assertTimeoutPreemptively(Duration.ofSeconds(5), () -> r.select(evilHeader)).route().id());
            assertEquals(id(2), winner(r, req("GET", "x", "/", headers("x-a", "b".repeat(12)))));
        }

        @Test
        void badRegexIsRejectedNamingRouteAndPath() {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> router(route(1).name("broken").paths("/ok", "~/users/(\\d+")));
            assertTrue(e.getMessage().contains(id(1).toString()), e.getMessage());
            assertTrue(e.getMessage().contains("broken") && e.getMessage().contains("~/users/(\\d+"), e.getMessage());
        }
    }

    @Nested
    class SplitPaths {
        @Test
        void regexAndPrefixGroupsGetTheirOwnPriority() {
            HttpRouter r = router(route(1).hosts("domain-1.org").paths("~/some/thing/else", "/foo"),
                    route(2).hosts("domain-1.org").paths("/foo/bar"));
            assertEquals(id(1), winner(r, get("domain-1.org", "/some/thing/else")));
            assertEquals(id(2), winner(r, get("domain-1.org", "/foo/bar")));
            assertEquals(id(1), winner(r, get("domain-1.org", "/foo")));
        }

        @Test
        void prefixLengthsAreSplit() {
            // unsplit, "/foo/bar/baz" would lend its length to "/foo" and beat route 2 on /foo/bar
            HttpRouter r = router(route(1).hosts("domain-1.org").paths("/foo", "/foo/bar/baz"),
                    route(2).hosts("domain-1.org").paths("/foo/bar"));
            assertEquals(id(1), winner(r, get("domain-1.org", "/foo")));
            assertEquals(id(2), winner(r, get("domain-1.org", "/foo/bar")));
            assertEquals(id(1), winner(r, get("domain-1.org", "/foo/bar/baz/1")));
            assertEquals(3, ((CompiledHttpRouter) r).size());
        }

        @Test
        void splitGroupsTieBreakOnTheirUuidV5() {
            // Same priority as route X: group n of route R has id uuidv5(ns, "R#n"); ties go to the greater id.
            UUID rid = id(1);
            UUID group2 = RouteSpec.uuidV5(UUID.fromString("7f145bf9-0dce-4f91-98eb-debbce4b9f6b"), rid + "#2");
            UUID below = new UUID(group2.getMostSignificantBits(), group2.getLeastSignificantBits() - 1);
            UUID above = new UUID(group2.getMostSignificantBits(), group2.getLeastSignificantBits() + 1);
            Route split = route(rid).paths("/a", "/bb").build();
            assertEquals(rid, winner(router(split, route(below).paths("/bb")), get("x", "/bb")));
            assertEquals(above, winner(router(split, route(above).paths("/bb")), get("x", "/bb")));
        }

        @Test
        void splitRouteWithoutServiceCompiles() {
            assertNotNull(router(route(1).paths("/foo", "/foo/bar/baz")).select(get("x", "/foo/bar/baz")));
        }
    }

    @Nested
    class Priority {
        @Test
        void documentedRegexExample() {
            HttpRouter r = router(
                    route(1).paths("~/status/\\d+").regexPriority(0),
                    route(2).paths("~/version/\\d+/status/\\d+").regexPriority(6),
                    route(3).paths("/version"),
                    route(4).paths("~/version/any/"));
            assertEquals(id(2), winner(r, get("x", "/version/1/status/2")));
            assertEquals(id(4), winner(r, get("x", "/version/any/")));
            assertEquals(id(1), winner(r, get("x", "/status/3")));
            assertEquals(id(3), winner(r, get("x", "/version/1")));
        }

        @Test
        void regexTieGoesToGreaterId() {
            HttpRouter r = router(route(1).paths("~/v/.*"), route(2).paths("~/v/\\d+"));
            assertEquals(id(2), winner(r, get("x", "/v/1")));
            HttpRouter s = router(route(3).paths("~/v/.*"), route(2).paths("~/v/\\d+"));
            assertEquals(id(3), winner(s, get("x", "/v/1")));
        }

        @Test
        void prefixRoutesIgnoreRegexPriority() {
            HttpRouter r = router(route(1).hosts("domain-1.org").paths("~/.*"),
                    route(2).hosts("domain-2.org").paths("/").regexPriority(5),
                    route(3).hosts("domain-2.org").paths("/v1"));
            assertEquals(id(3), winner(r, get("domain-2.org", "/v1")));
        }

        @Test
        void plainHostBitAndWeight() {
            HttpRouter r = router(
                    route(1).hosts("domain-1.org", "domain-2.org"),
                    route(2).methods("TRACE"),
                    route(3).paths("/my-route"));
            assertEquals(id(1), winner(r, req("TRACE", "domain-2.org", "/", HeaderLookup.NONE)));
            assertEquals(id(3), winner(r, req("TRACE", "domain.org", "/my-route", HeaderLookup.NONE)));
            assertEquals(id(2), winner(r, req("TRACE", "domain.org", "/", HeaderLookup.NONE)));
        }

        @Test
        void wildcardHostAndMethodTieByIdAndMatchWeightFirst() {
            HttpRouter r = router(route(1).methods("GET"), route(2).hosts("domain.*"));
            assertEquals(id(1), winner(r, get("nothing.com", "/")));
            assertEquals(id(2), winner(r, get("domain.com", "/")));
            HttpRouter w = router(route(1).hosts("*.example.com").paths("/path1"), route(2).hosts("plain.example.com").paths("/path2"));
            assertEquals(id(1), winner(w, get("plain.example.com", "/path1")));
            assertEquals(id(2), winner(w, get("plain.example.com", "/path2")));
        }

        @Test
        void routeWithoutHostsDoesNotGetThePlainHostBit() {
            // both weight 1; "/" is a prefix of length 1 > 0, but the plain-host bit ranks higher
            HttpRouter r = router(route(1).hosts("a.test"), route(2).paths("/"));
            assertEquals(id(1), winner(r, get("a.test", "/x")));
        }

        @Test
        void idTieBreakComparesUuidsAsUnsignedBytes() {
            UUID high = UUID.fromString("f0000000-0000-4000-8000-000000000000");
            UUID low = UUID.fromString("10000000-0000-4000-8000-000000000000");
            // java.util.UUID.compareTo is signed and would put f000... first in ascending order, i.e. last here
            assertEquals(high, winner(router(route(low).paths("/a"), route(high).paths("/a")), get("x", "/a")));
            assertEquals(high, winner(router(route(high).paths("/a"), route(low).paths("/a")), get("x", "/a")));
        }

        @Test
        void halfMatchesDoNotSupersede() {
            HttpRouter r = router(route(1).hosts("host1.com").paths("/v1/path"), route(2).hosts("host2.com").paths("/"));
            assertEquals(id(1), winner(r, get("host1.com", "/v1/path")));
            assertEquals(id(2), winner(r, get("host2.com", "/v1/path")));
        }
    }
}
