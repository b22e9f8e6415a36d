package org.kongjava.core.router;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import org.kongjava.config.model.EntitySet;
import org.kongjava.config.model.Protocol;
import org.kongjava.config.model.Route;
import org.kongjava.config.model.Service;

/**
 * A deterministic mix of many routes (exact hosts, wildcard hosts, host-less prefixes, regexes,
 * methods + headers, split routes) for the large-router test and the benchmark.
 */
public final class RouteCorpus {
    private RouteCorpus() {
    }

    /** Route {@code i}'s id: stable, and deliberately not in insertion order. */
    public static UUID routeId(int i) {
        return UUID.nameUUIDFromBytes(("route-" + i).getBytes());
    }

    /** {@code n} routes, all on one service with path /svc. */
    public static EntitySet generate(int n) {
        Service svc = new Service(UUID.nameUUIDFromBytes("svc".getBytes()), "svc", Protocol.HTTP, "upstream.test",
                80, "/svc", 5, 60000, 60000, 60000, true, null, null, null, null, null, 0, 0);
        Map<UUID, Route> routes = new LinkedHashMap<>();
        for (int i = 0; i < n; i++) {
            Route r = route(i, svc.id());
            routes.put(r.id(), r);
        }
        return new EntitySet(1, Map.of(svc.id(), svc), routes);
    }

    /** The host a category-0 route {@code i} answers on. */
    public static String exactHost(int i) {
        return "svc" + (i % 400) + ".example.com";
    }

    private static Route route(int i, UUID serviceId) {
        List<String> methods = null;
        List<String> hosts = null;
        List<String> paths;
        Map<String, List<String>> headers = null;
        int regexPriority = 0;
        int category = i % 1000 == 999 || i % 1000 == 989 ? i % 1000 : i % 10;
        switch (category) {
            // wildcard routes that also match exact hosts of other routes
            case 999 -> {
                hosts = List.of("*.example.com");
                paths = List.of("/api/");
            }
            case 989 -> {
                hosts = List.of("svc" + (i % 400) + ".*");
                paths = List.of("/api/");
            }
            case 0, 1, 2, 3 -> {
                hosts = List.of(exactHost(i));
                paths = List.of("/api/" + i + "/items");
            }
            case 4 -> {
                hosts = List.of("*.tenant" + (i % 200) + ".example.org");
                paths = List.of("/t/" + i);
            }
            case 5 -> {
                hosts = List.of("shop" + (i % 100) + ".*");
                paths = List.of("/s/" + i);
            }
            case 6 -> paths = List.of("/public/" + i + "/");
            case 7 -> {
                paths = List.of("~/re/" + i + "/(?<id>\\d+)$");
                regexPriority = i % 3;
            }
            case 8 -> {
                hosts = List.of(exactHost(i));
                methods = List.of("GET", "POST");
                headers = Map.of("x-version", List.of("v" + (i % 5)));
                paths = List.of("/api/" + i);
            }
            default -> paths = List.of("/multi/" + i, "/multi/" + i + "/longer/path", "~/multi/" + i + "/\\d+");
        }
        return new Route(routeId(i), "r" + i, List.of(Protocol.HTTP, Protocol.HTTPS), methods, hosts, paths, headers,
                null, null, null, 426, regexPriority, i % 2 == 0, "v0", false, true, true, serviceId, null, 0, 0);
    }

    /** Requests that exercise every category, matching and not, for route count {@code n}. */
    public static List<RequestFacts> requests(int n, int count, long seed) {
        java.util.Random rnd = new java.util.Random(seed);
        List<RequestFacts> out = new ArrayList<>(count);
        for (int k = 0; k < count; k++) {
            int kind = rnd.nextInt(9);
            // the route number of the category the request aims at; about 1 in 11 is beyond n (no such route)
            int offset = switch (kind) {
                case 0, 7 -> rnd.nextInt(4);
                case 1 -> 4;
                case 2 -> 5;
                case 3 -> 6;
                case 4 -> 7;
                case 5 -> 8;
                case 6 -> 9;
                default -> rnd.nextInt(10);
            };
            int i = 10 * rnd.nextInt(n / 10 + n / 100 + 1) + offset;
            String method = rnd.nextInt(4) == 0 ? "POST" : "GET";
            String host;
            String path;
            switch (kind) {
                case 0 -> { host = exactHost(i); path = "/api/" + i + "/items" + (rnd.nextBoolean() ? "/42" : ""); }
                case 1 -> { host = "a" + rnd.nextInt(3) + ".tenant" + (i % 200) + ".example.org"; path = "/t/" + i + "/x"; }
                case 2 -> { host = "shop" + (i % 100) + ".co.uk:8080"; path = "/s/" + i; }
                case 3 -> { host = "unknown.test"; path = "/public/" + i + "/p"; }
                case 4 -> { host = rnd.nextBoolean() ? null : exactHost(i); path = "/re/" + i + "/" + rnd.nextInt(100); }
                case 5 -> { host = exactHost(i); path = "/api/" + i + (rnd.nextBoolean() ? "/z" : ""); }
                case 6 -> { host = "x.test"; path = "/multi/" + i + (rnd.nextBoolean() ? "/longer/path/q" : "/" + rnd.nextInt(9)); }
                case 7 -> { host = exactHost(i); path = "/%61pi/./" + i + "//items"; }
                default -> { host = "svc" + rnd.nextInt(500) + ".example.com"; path = "/nothing/" + i; }
            }
            String version = "v" + rnd.nextInt(6);
            HeaderLookup headers = name -> name.equals("x-version") ? List.of(version.toUpperCase(Locale.ROOT)) : List.of();
            out.add(new RequestFacts(method, host, path, headers, null, false, 80));
        }
        return out;
    }
}
