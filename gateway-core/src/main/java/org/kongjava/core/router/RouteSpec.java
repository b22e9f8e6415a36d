package org.kongjava.core.router;

import org.kongjava.config.route.PathRegex;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;
import org.kongjava.config.model.Route;
import org.kongjava.config.model.Service;
import org.kongjava.core.router.CompiledRoute.HeaderRule;
import org.kongjava.core.router.CompiledRoute.HostRule;
import org.kongjava.core.router.CompiledRoute.Op;

/**
 * A route (or one path group of it) parsed into match conditions plus its priority, before ranking.
 *
 * <p>Priority, most significant first (routing.md §4, the documented traditional_compatible order):
 * match weight; plain-host-only; header count (≤ 255); regex over prefix, then regex_priority for
 * regex groups or prefix length (UTF-8 bytes, 19 bits) for prefix groups; then the greater matcher id.
 * Kong packs the same fields into one 64-bit number ({@code get_priority} in
 * {@code kong/router/transform.lua}); comparing fields avoids its 32-bit-shift overflow quirks.
 */
record RouteSpec(Route route, Service service, UUID id,
                 String[] methods, HostRule[] hosts, HostRule[] snis, HeaderRule[] headers,
                 String[] prefixes, PathRegex[] regexes,
                 int weight, boolean plainHostOnly, int headerCount, int regexPriority, int prefixLength) {

    private static final UUID SPLIT_NAMESPACE = UUID.fromString("7f145bf9-0dce-4f91-98eb-debbce4b9f6b");
    private static final int MAX_HEADER_COUNT = 255;
    private static final int MAX_PREFIX_LENGTH = 0x7FFFF;

    /** Highest priority first. */
    static final Comparator<RouteSpec> PRIORITY_ORDER = Comparator
            .comparingInt(RouteSpec::weight)
            .thenComparing(RouteSpec::plainHostOnly)
            .thenComparingInt(RouteSpec::headerCount)
            .thenComparing(RouteSpec::isRegex)
            .thenComparingInt(RouteSpec::regexPriority)
            .thenComparingInt(RouteSpec::prefixLength)
            .thenComparing(RouteSpec::id, RouteSpec::compareUuidUnsigned)
            .reversed();

    boolean isRegex() {
        return regexes != null;
    }

    /**
     * Parses one route into one spec, or several when its paths mix regex and prefix paths or prefix
     * lengths (one group per kind/length in order of first appearance, ids UUIDv5 of {@code "<id>#<n>"}).
     *
     * @throws IllegalArgumentException when a regex (path or header) does not compile; the message names the route
     */
    static List<RouteSpec> parse(Route route, Service service) {
        String[] methods = nonEmpty(route.methods()) ? route.methods().toArray(String[]::new) : null;
        HostRule[] hosts = nonEmpty(route.hosts()) ? hostRules(route.hosts()) : null;
        HostRule[] snis = nonEmpty(route.snis()) ? sniRules(route.snis()) : null;
        HeaderRule[] headers = route.headers() != null && !route.headers().isEmpty() ? headerRules(route) : null;

        int baseWeight = (methods != null ? 1 : 0) + (hosts != null ? 1 : 0) + (headers != null ? 1 : 0)
                + (snis != null ? 1 : 0);
        // Kong sets this bit whenever `hosts` is present (even empty) and has no wildcard.
        boolean plainHostOnly = route.hosts() != null && route.hosts().stream().noneMatch(h -> h != null && h.indexOf('*') >= 0);
        int headerCount = headers == null ? 0 : Math.min(route.headers().size(), MAX_HEADER_COUNT);

        List<String> paths = route.paths();
        if (nonEmpty(paths) && paths.stream().allMatch(p -> p == null)) {
            paths = null; // not expected from a validated route; treat like "no paths" rather than dropping it
        }
        if (!nonEmpty(paths)) {
            return List.of(new RouteSpec(route, service, route.id(), methods, hosts, snis, headers, null, null,
                    baseWeight, plainHostOnly, headerCount, 0, 0));
        }
        // group key: -1 for regex paths, else the prefix's byte length (Kong's #path)
        Map<Integer, List<String>> groups = new LinkedHashMap<>();
        for (String p : paths) {
            if (p == null) {
                continue;
            }
            int key = isRegexPath(p) ? -1 : utf8Length(p);
            groups.computeIfAbsent(key, k -> new ArrayList<>()).add(p);
        }
        List<RouteSpec> out = new ArrayList<>(groups.size());
        int n = 0;
        for (Map.Entry<Integer, List<String>> g : groups.entrySet()) {
            n++;
            UUID id = groups.size() == 1 ? route.id() : uuidV5(SPLIT_NAMESPACE, route.id() + "#" + n);
            List<String> group = g.getValue();
            if (g.getKey() < 0) {
                PathRegex[] regexes = new PathRegex[group.size()];
                for (int i = 0; i < regexes.length; i++) {
                    regexes[i] = compileRegex(route, group.get(i));
                }
                out.add(new RouteSpec(route, service, id, methods, hosts, snis, headers, null, regexes,
                        baseWeight + 1, plainHostOnly, headerCount, route.regexPriority(), 0));
            } else {
                out.add(new RouteSpec(route, service, id, methods, hosts, snis, headers,
                        group.toArray(String[]::new), null,
                        baseWeight + 1, plainHostOnly, headerCount, 0, g.getKey() & MAX_PREFIX_LENGTH));
            }
        }
        return out;
    }

    static boolean isRegexPath(String p) {
        return !p.isEmpty() && p.charAt(0) == '~';
    }

    private static PathRegex compileRegex(Route route, String path) {
        try {
            return PathRegex.compile(path);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(describe(route) + ": paths: '" + path + "': " + e.getMessage(), e);
        }
    }

    static String describe(Route route) {
        return "route " + route.id() + (route.name() == null ? "" : " (" + route.name() + ")");
    }

    private static boolean nonEmpty(List<?> l) {
        return l != null && !l.isEmpty();
    }

    /** {@code host}, {@code *.suffix}, {@code prefix.*}, each optionally {@code :port} (Kong's split_host_port). */
    private static HostRule[] hostRules(List<String> hosts) {
        List<HostRule> out = new ArrayList<>(hosts.size());
        for (String h : hosts) {
            if (h == null) {
                continue;
            }
            String host = h;
            int port = -1;
            int colon = h.indexOf(':');
            if (colon >= 0) {
                int p = parsePort(h, colon + 1);
                if (p >= 0) {
                    host = h.substring(0, colon);
                    port = p;
                }
            }
            if (!host.isEmpty() && host.charAt(0) == '*') {
                out.add(new HostRule(Op.SUFFIX, host.substring(1), port));
            } else if (!host.isEmpty() && host.charAt(host.length() - 1) == '*') {
                out.add(new HostRule(Op.PREFIX, host.substring(0, host.length() - 1), port));
            } else {
                out.add(new HostRule(Op.EXACT, host, port));
            }
        }
        return out.toArray(HostRule[]::new);
    }

    /** SNI values: leading {@code *} = suffix, trailing {@code *} = prefix; a trailing dot is ignored. */
    private static HostRule[] sniRules(List<String> snis) {
        List<HostRule> out = new ArrayList<>(snis.size());
        for (String s : snis) {
            if (s == null || s.isEmpty()) {
                continue;
            }
            if (s.charAt(0) != '*' && s.charAt(s.length() - 1) == '*') {
                out.add(new HostRule(Op.PREFIX, s.substring(0, s.length() - 1), -1));
                continue;
            }
            String v = s.length() > 1 && s.charAt(s.length() - 1) == '.' ? s.substring(0, s.length() - 1) : s;
            if (v.charAt(0) == '*') {
                out.add(new HostRule(Op.SUFFIX, v.substring(1), -1));
            } else {
                out.add(new HostRule(Op.EXACT, v, -1));
            }
        }
        return out.toArray(HostRule[]::new);
    }

    private static HeaderRule[] headerRules(Route route) {
        List<HeaderRule> out = new ArrayList<>();
        for (Map.Entry<String, List<String>> e : route.headers().entrySet()) {
            // Kong reads http.headers.<name with '-' as '_'> through nginx, which maps '_' back to '-'.
            String name = e.getKey().toLowerCase(Locale.ROOT).replace('_', '-');
            List<String> plain = new ArrayList<>();
            List<Pattern> regexes = new ArrayList<>();
            for (String v : e.getValue() == null ? List.<String>of() : e.getValue()) {
                if (v == null) {
                    continue;
                }
                if (v.startsWith("~*")) {
                    String re = v.substring(2).toLowerCase(Locale.ROOT);
                    try {
                        regexes.add(Pattern.compile(re));
                    } catch (PatternSyntaxException ex) {
                        throw new IllegalArgumentException(describe(route) + ": headers." + e.getKey() + ": '" + v
                                + "' is not a valid regex (" + ex.getDescription() + ")", ex);
                    }
                } else {
                    plain.add(v.toLowerCase(Locale.ROOT));
                }
            }
            out.add(new HeaderRule(name, plain.toArray(String[]::new), regexes.toArray(Pattern[]::new)));
        }
        return out.toArray(HeaderRule[]::new);
    }

    /** A port after {@code from}: digits only, else -1 (then the whole value is the host, as in Kong). */
    static int parsePort(String s, int from) {
        int n = s.length();
        if (from >= n || n - from > 9) {
            return -1;
        }
        int v = 0;
        for (int i = from; i < n; i++) {
            char c = s.charAt(i);
            if (c < '0' || c > '9') {
                return -1;
            }
            v = v * 10 + (c - '0');
        }
        return v;
    }

    static int utf8Length(String s) {
        int len = 0;
        for (int i = 0, n = s.length(); i < n; i++) {
            char c = s.charAt(i);
            if (c < 0x80) {
                len++;
            } else if (c < 0x800) {
                len += 2;
            } else if (Character.isHighSurrogate(c) && i + 1 < n && Character.isLowSurrogate(s.charAt(i + 1))) {
                len += 4;
                i++;
            } else {
                len += 3;
            }
        }
        return len;
    }

    /** Byte-wise (unsigned) order, as Rust's {@code Uuid} and the string form compare. */
    static int compareUuidUnsigned(UUID a, UUID b) {
        int c = Long.compareUnsigned(a.getMostSignificantBits(), b.getMostSignificantBits());
        return c != 0 ? c : Long.compareUnsigned(a.getLeastSignificantBits(), b.getLeastSignificantBits());
    }

    /** RFC 4122 name-based UUID, version 5 (SHA-1), as lua-resty-jit-uuid's factory_v5. */
    static UUID uuidV5(UUID namespace, String name) {
        MessageDigest sha1;
        try {
            sha1 = MessageDigest.getInstance("SHA-1");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-1 is required by every Java platform", e);
        }
        byte[] ns = new byte[16];
        long msb = namespace.getMostSignificantBits();
        long lsb = namespace.getLeastSignificantBits();
        for (int i = 0; i < 8; i++) {
            ns[i] = (byte) (msb >>> (56 - 8 * i));
            ns[8 + i] = (byte) (lsb >>> (56 - 8 * i));
        }
        sha1.update(ns);
        byte[] h = sha1.digest(name.getBytes(StandardCharsets.UTF_8));
        h[6] = (byte) ((h[6] & 0x0F) | 0x50);
        h[8] = (byte) ((h[8] & 0x3F) | 0x80);
        long hi = 0;
        long lo = 0;
        for (int i = 0; i < 8; i++) {
            hi = (hi << 8) | (h[i] & 0xFF);
            lo = (lo << 8) | (h[8 + i] & 0xFF);
        }
        return new UUID(hi, lo);
    }
}
