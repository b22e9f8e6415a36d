package org.kongjava.core.router;

import org.kongjava.config.route.BoundedInput;
import org.kongjava.config.route.PathNormalizer;
import org.kongjava.config.route.PathRegex;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.kongjava.config.model.Route;
import org.kongjava.config.model.Service;

/**
 * One matcher of the router: a route, or one path group of a route whose paths were split
 * (routing.md §1). Holds the compiled conditions and its global rank (0 = tried first).
 * Immutable once built.
 */
final class CompiledRoute {

    /** How a host or SNI value is compared. */
    enum Op { EXACT, SUFFIX, PREFIX }

    /** A host (with optional port) or SNI condition; {@code port} is -1 when any port matches. */
    record HostRule(Op op, String value, int port) {
        boolean matches(String host, int dstPort) {
            if (port >= 0 && port != dstPort) {
                return false;
            }
            return switch (op) {
                case EXACT -> host.equals(value);
                case SUFFIX -> host.endsWith(value);
                case PREFIX -> host.startsWith(value);
            };
        }
    }

    /** One configured header: the request must carry a value equal to one of {@code values} or matching one of {@code regexes}. */
    record HeaderRule(String name, String[] values, Pattern[] regexes) {
        boolean matches(HeaderLookup headers) {
            List<String> got = headers.getAll(name);
            if (got == null || got.isEmpty()) {
                return false;
            }
            for (int i = 0, n = got.size(); i < n; i++) {
                String v = got.get(i);
                if (v == null) {
                    continue;
                }
                String lower = v.toLowerCase(Locale.ROOT);
                for (String want : values) {
                    if (lower.equals(want)) {
                        return true;
                    }
                }
                for (Pattern p : regexes) {
                    if (BoundedInput.find(p, lower) != null) {
                        return true;
                    }
                }
            }
            return false;
        }
    }

    final int rank;
    final Route route;
    final Service service;
    /** The matcher id: the route id, or the UUIDv5 of a split group. */
    final UUID id;
    final String[] methods;
    final HostRule[] hosts;
    final HostRule[] snis;
    final HeaderRule[] headers;
    /** Prefix paths of this group (all of one length), or null. */
    final String[] prefixes;
    /** Regex paths of this group, or null. */
    final PathRegex[] regexes;

    CompiledRoute(int rank, RouteSpec spec) {
        this.rank = rank;
        this.route = spec.route();
        this.service = spec.service();
        this.id = spec.id();
        this.methods = spec.methods();
        this.hosts = spec.hosts();
        this.snis = spec.snis();
        this.headers = spec.headers();
        this.prefixes = spec.prefixes();
        this.regexes = spec.regexes();
    }

    /** Every condition except the path (cheap ones first; the path may need a regex). */
    boolean matchesNonPath(RequestContext req) {
        if (methods != null) {
            boolean ok = false;
            String m = req.method;
            if (m != null) {
                for (String want : methods) {
                    if (want.equals(m)) {
                        ok = true;
                        break;
                    }
                }
            }
            if (!ok) {
                return false;
            }
        }
        if (hosts != null) {
            String h = req.host;
            if (h == null) {
                return false;
            }
            boolean ok = false;
            for (HostRule r : hosts) {
                if (r.matches(h, req.dstPort)) {
                    ok = true;
                    break;
                }
            }
            if (!ok) {
                return false;
            }
        }
        // SNI is only a condition on TLS connections; there, a client without SNI matches no sni route.
        if (snis != null && req.https) {
            String sni = req.sni;
            if (sni == null) {
                return false;
            }
            boolean ok = false;
            for (HostRule r : snis) {
                if (r.matches(sni, -1)) {
                    ok = true;
                    break;
                }
            }
            if (!ok) {
                return false;
            }
        }
        if (headers != null) {
            for (HeaderRule r : headers) {
                if (!r.matches(req.headers)) {
                    return false;
                }
            }
        }
        return true;
    }

    /** The full match, or null. */
    RouteMatch match(RequestContext req) {
        if (!matchesNonPath(req)) {
            return null;
        }
        String path = req.path;
        String matched = null;
        Map<String, String> captures = Map.of();
        if (prefixes != null) {
            for (String p : prefixes) {
                if (path.startsWith(p)) {
                    matched = p;
                    break;
                }
            }
            if (matched == null) {
                return null;
            }
        } else if (regexes != null) {
            for (PathRegex r : regexes) {
                Matcher m = r.match(path);
                if (m != null) {
                    matched = m.group();
                    captures = r.captures(m);
                    break;
                }
            }
            if (matched == null) {
                return null;
            }
        }
        String stripped = route.stripPath() ? matched : null;
        String servicePath = service == null ? null : service.path();
        String upstream = PathNormalizer.escape(UpstreamPath.v0(servicePath, path, stripped, route.stripPath()));
        return new RouteMatch(route, service, path, stripped, upstream, captures);
    }

    /** Keys under which this matcher is filed in a path trie: its prefixes, its regexes' literal prefixes, or "". */
    String[] trieKeys() {
        if (prefixes != null) {
            return prefixes;
        }
        if (regexes != null) {
            String[] keys = new String[regexes.length];
            for (int i = 0; i < keys.length; i++) {
                keys[i] = regexes[i].literalPrefix();
            }
            return keys;
        }
        return new String[] {""};
    }

    @Override
    public String toString() {
        return "route " + route.id() + (route.name() == null ? "" : " (" + route.name() + ")") + " #" + rank;
    }
}
