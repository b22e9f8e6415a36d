package org.kongjava.core.router;

import java.util.ArrayList;
import java.util.BitSet;
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
 *       prefix, routes without hosts (or with unusual patterns) in an "any host" entry;</li>
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
    private final Map<String, PathTrie> suffixHosts;
    private final Map<String, PathTrie> prefixHosts;
    /** Lengths of the keys in suffixHosts / prefixHosts: skips substrings that cannot hit. */
    private final BitSet suffixLengths;
    private final BitSet prefixLengths;
    private final PathTrie anyHost;

    private CompiledHttpRouter(int size, Map<String, PathTrie> exactHosts, Map<String, PathTrie> suffixHosts,
                               Map<String, PathTrie> prefixHosts, PathTrie anyHost) {
        this.size = size;
        this.exactHosts = exactHosts;
        this.suffixHosts = suffixHosts;
        this.prefixHosts = prefixHosts;
        this.anyHost = anyHost;
        this.suffixLengths = lengths(suffixHosts);
        this.prefixLengths = lengths(prefixHosts);
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

    private static BitSet lengths(Map<String, PathTrie> keys) {
        BitSet b = new BitSet();
        keys.keySet().forEach(k -> b.set(k.length()));
        return b;
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
                t.collect(req.path, candidates);
            }
            if (!suffixHosts.isEmpty() || !prefixHosts.isEmpty()) {
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

    private void collectWildcards(String host, String path, Candidates candidates) {
        int n = host.length();
        for (int i = host.indexOf('.'); i >= 0; i = host.indexOf('.', i + 1)) {
            if (suffixLengths.get(n - i)) {
                PathTrie t = suffixHosts.get(host.substring(i));
                if (t != null) {
                    t.collect(path, candidates);
                }
            }
            if (prefixLengths.get(i + 1)) {
                PathTrie t = prefixHosts.get(host.substring(0, i + 1));
                if (t != null) {
                    t.collect(path, candidates);
                }
            }
        }
    }
}
