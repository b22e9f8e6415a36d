package org.kongjava.core.router;

import org.kongjava.config.route.PathNormalizer;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.kongjava.config.model.EntitySet;
import org.kongjava.config.model.Protocol;
import org.kongjava.config.model.Route;
import org.kongjava.config.model.Service;
import org.kongjava.core.router.CompiledRoute.HostRule;

/**
 * Kong's HTTP router, {@code traditional_compatible} flavor (routing.md §1-§7), compiled from an
 * {@link EntitySet}. Immutable; {@link #select} is a pure function safe to call from every thread.
 *
 * <p>Semantics: matchers (routes, or path groups of split routes) are ordered by Kong's documented
 * priority and the first whose every field matches wins, exactly as Kong's ATC scan. To avoid testing
 * every matcher, they are indexed (STYLE.md #6):
 * <ul>
 *   <li>by host: exact hosts in a hash map, {@code *.suffix} hosts by suffix, {@code prefix.*} hosts by
 *       prefix, routes without hosts (or with unusual patterns) in an "any host" entry. An exact
 *       host's entry also holds the wildcard routes matching that host, so a request for a known
 *       host makes one hash lookup plus the "any host" walk;</li>
 *   <li>within each host entry, by path: a radix trie of prefix paths, regex literal prefixes, and ""
 *       for matchers without paths.</li>
 * </ul>
 * A request collects the candidate lists of the entries it hits and merges them by rank, so the
 * index never changes which route wins. No match cache is kept: selection cost does not depend on the
 * number of routes in a way that would need one, and a cache keyed on client input is a memory risk.
 */
public final class CompiledHttpRouter implements HttpRouter {

    private final int size;
    private final Map<String, PathTrie> exactHosts;
    /** Keyed by the part after '*', e.g. ".example.com". */
    private final HostTable suffixHosts;
    /** Keyed by the part before '*', e.g. "example.". */
    private final HostTable prefixHosts;
    private final PathTrie anyHost;

    private CompiledHttpRouter(int size, Map<String, PathTrie> exactHosts, Map<String, PathTrie> suffixHosts,
                               Map<String, PathTrie> prefixHosts, PathTrie anyHost) {
        this.size = size;
        this.exactHosts = exactHosts;
        this.suffixHosts = new HostTable(suffixHosts);
        this.prefixHosts = new HostTable(prefixHosts);
        this.anyHost = anyHost;
    }

    /**
     * Compiles the HTTP routes of {@code entities}: routes with http/https/grpc/grpcs, except those whose
     * service is disabled. A route without service (or whose service is missing from the set) is kept
     * and matches with a null service. Regexes are compiled here, once.
     *
     * @throws IllegalArgumentException when a route's regex path or header regex does not compile;
     *                                  the message names the route and the value
     */
    public static CompiledHttpRouter compile(EntitySet entities) {
        List<RouteSpec> specs = new ArrayList<>(entities.routes().size());
        for (Route route : entities.routes().values()) {
            if (!isHttpRoute(route)) {
                continue;
            }
            Service service = route.serviceId() == null ? null : entities.services().get(route.serviceId());
            if (service != null && !service.enabled()) {
                continue;
            }
            specs.addAll(RouteSpec.parse(route, service));
        }
        specs.sort(RouteSpec.PRIORITY_ORDER);

        Map<String, PathTrie.Builder> exact = new HashMap<>();
        Map<String, PathTrie.Builder> suffix = new HashMap<>();
        Map<String, PathTrie.Builder> prefix = new HashMap<>();
        PathTrie.Builder any = new PathTrie.Builder();
        Set<PathTrie.Builder> targets = Collections.newSetFromMap(new IdentityHashMap<>());
        for (int rank = 0; rank < specs.size(); rank++) {
            CompiledRoute cr = new CompiledRoute(rank, specs.get(rank));
            targets.clear();
            if (cr.hosts == null) {
                targets.add(any);
            } else {
                for (HostRule h : cr.hosts) {
                    String v = h.value();
                    switch (h.op()) {
                        case EXACT -> targets.add(exact.computeIfAbsent(v, k -> new PathTrie.Builder()));
                        // "*.example.com" → ".example.com": looked up at each '.' of the request host
                        case SUFFIX -> targets.add(v.length() > 1 && v.charAt(0) == '.'
                                ? suffix.computeIfAbsent(v, k -> new PathTrie.Builder()) : any);
                        case PREFIX -> targets.add(v.length() > 1 && v.charAt(v.length() - 1) == '.'
                                ? prefix.computeIfAbsent(v, k -> new PathTrie.Builder()) : any);
                    }
                }
            }
            String[] keys = cr.trieKeys();
            for (PathTrie.Builder b : targets) {
                for (String key : keys) {
                    b.add(key, cr);
                }
            }
        }
        // A request whose host is an exact key needs no wildcard lookups: that key's trie also gets
        // the wildcard entries matching it (wildcard routes are usually few, so this copies little).
        exact.forEach((host, b) -> {
            for (int i = host.indexOf('.'); i >= 0; i = host.indexOf('.', i + 1)) {
                PathTrie.Builder s = suffix.get(host.substring(i));
                if (s != null) {
                    b.addAll(s);
                }
                PathTrie.Builder p = prefix.get(host.substring(0, i + 1));
                if (p != null) {
                    b.addAll(p);
                }
            }
        });
        return new CompiledHttpRouter(specs.size(), build(exact), build(suffix), build(prefix), any.build());
    }

    private static boolean isHttpRoute(Route route) {
        for (Protocol p : route.protocols()) {
            if (p != null && p.isHttpFamily()) {
                return true;
            }
        }
        return false;
    }

    private static Map<String, PathTrie> build(Map<String, PathTrie.Builder> builders) {
        Map<String, PathTrie> out = new HashMap<>(Math.max(4, builders.size() * 4 / 3 + 1));
        builders.forEach((k, b) -> out.put(k, b.build()));
        return Map.copyOf(out);
    }

    /** Number of matchers (routes, counting each path group of a split route). */
    public int size() {
        return size;
    }

    @Override
    public RouteMatch select(RequestFacts facts) {
        RequestContext req = new RequestContext(facts, PathNormalizer.normalize(facts.rawPath()));
        Candidates candidates = new Candidates();
        String host = req.host;
        if (host != null) {
            PathTrie t = exactHosts.get(host);
            if (t != null) {
                t.collect(req.path, candidates); // includes the wildcard routes matching this host
            } else if (!suffixHosts.isEmpty() || !prefixHosts.isEmpty()) {
                collectWildcards(host, req.path, candidates);
            }
        }
        anyHost.collect(req.path, candidates);

        for (CompiledRoute r = candidates.next(); r != null; r = candidates.next()) {
            RouteMatch m = r.match(req);
            if (m != null) {
                return m;
            }
        }
        return null;
    }

    /**
     * Looks up every "." -started suffix and "."-ended prefix of the host. String hashes are built
     * incrementally (the suffix hash from the right), so no substring is made per lookup.
     */
    private void collectWildcards(String host, String path, Candidates candidates) {
        int n = host.length();
        if (!prefixHosts.isEmpty()) {
            int h = 0;
            for (int i = 0; i < n; i++) {
                char c = host.charAt(i);
                h = 31 * h + c;
                if (c == '.') {
                    PathTrie t = prefixHosts.get(h, host, 0, i + 1);
                    if (t != null) {
                        t.collect(path, candidates);
                    }
                }
            }
        }
        if (!suffixHosts.isEmpty()) {
            int h = 0;
            int pow = 1;
            for (int i = n - 1; i >= 0; i--) {
                char c = host.charAt(i);
                h += c * pow;
                pow *= 31;
                if (c == '.') {
                    PathTrie t = suffixHosts.get(h, host, i, n - i);
                    if (t != null) {
                        t.collect(path, candidates);
                    }
                }
            }
        }
    }
}
