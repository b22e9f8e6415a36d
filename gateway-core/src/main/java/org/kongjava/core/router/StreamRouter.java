package org.kongjava.core.router;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import org.kongjava.config.model.CidrPort;
import org.kongjava.config.model.EntitySet;
import org.kongjava.config.model.Protocol;
import org.kongjava.config.model.Route;
import org.kongjava.config.model.Service;
import org.kongjava.config.net.CidrSet;

/**
 * Kong's stream router, {@code traditional_compatible} flavor (routing.md §9), compiled from an {@link EntitySet}.
 * Immutable; {@link #select} is a pure function safe on every thread.
 *
 * <p>Routes with a TCP stream protocol ({@code tcp}, {@code tls}, {@code tls_passthrough}) are tried in Kong's
 * order: priority descending, then route id descending (the ATC engine's map order). Priority (Kong's
 * {@code stream_get_priority}, true 64-bit): bit 61 when the route has {@code snis}, or has both {@code sources} and
 * {@code destinations}; then 4 bits of source weight (bits 4-7) and 4 bits of destination weight (bits 0-3), each
 * the OR of exact IP (8), port (4) and CIDR (1) over the entries of that list.
 *
 * <p>Matching: every configured field must match. {@code sources}/{@code destinations}: any entry matches, an entry
 * with both IP (or CIDR) and port needs both. {@code snis} are only checked when the connection's scheme is
 * {@code tls} (an SNI was read): exact name, {@code *.suffix} (leading {@code *}) or {@code prefix.*} (trailing
 * {@code *}); a trailing dot in the route value is ignored. A plain (no SNI) connection therefore satisfies the
 * {@code snis} condition, as in Kong; the proxy then refuses a {@code tls_passthrough}-only route without TLS.
 *
 * <p>A linear scan: stream routes are few (one per port or backend, typically) and a scan keeps the order exactly
 * Kong's.
 */
public final class StreamRouter {
    /** No stream routes: every connection is unmatched. */
    public static final StreamRouter EMPTY = new StreamRouter(new Compiled[0]);

    static final long SNI_BIT = 1L << 61;
    static final int IP_BIT = 8;
    static final int PORT_BIT = 4;
    static final int CIDR_BIT = 1;

    private final Compiled[] routes;
    private final boolean anySni;

    private StreamRouter(Compiled[] routes) {
        this.routes = routes;
        boolean sni = false;
        for (Compiled c : routes) {
            sni |= c.snis != null;
        }
        this.anySni = sni;
    }

    /**
     * Compiles the TCP stream routes of {@code entities}: routes with {@code tcp}, {@code tls} or
     * {@code tls_passthrough} in their protocols, except those whose service is disabled. A route without
     * service (or whose service is missing) is kept and matches with a null service.
     */
    public static StreamRouter compile(EntitySet entities) {
        List<Compiled> out = new ArrayList<>();
        for (Route r : entities.routes().values()) {
            if (!isTcpStream(r)) {
                continue;
            }
            Service s = r.serviceId() == null ? null : entities.services().get(r.serviceId());
            if (s != null && !s.enabled()) {
                continue;
            }
            out.add(new Compiled(r, s, priority(r), nets(r.sources()), nets(r.destinations()), snis(r.snis())));
        }
        out.sort(Comparator.comparingLong((Compiled c) -> c.priority).reversed()
                .thenComparing((Compiled c) -> c.route.id().toString(), Comparator.reverseOrder()));
        return out.isEmpty() ? EMPTY : new StreamRouter(out.toArray(Compiled[]::new));
    }

    private static boolean isTcpStream(Route r) {
        for (Protocol p : r.protocols()) {
            if (p == Protocol.TCP || p == Protocol.TLS || p == Protocol.TLS_PASSTHROUGH) {
                return true;
            }
        }
        return false;
    }

    /** The first route (in Kong's order) matching {@code facts}, or null. */
    public StreamMatch select(ConnectionFacts facts) {
        return select(facts, null);
    }

    /**
     * The first route (in Kong's order) matching {@code facts} among the routes that list at least one of
     * {@code accepted} in their {@code protocols} (null: any stream route), or null. The proxy passes what the
     * connection can be served as (e.g. {@code tcp} only when no ClientHello was read).
     */
    public StreamMatch select(ConnectionFacts facts, Set<Protocol> accepted) {
        for (Compiled c : routes) {
            if ((accepted == null || c.accepts(accepted)) && c.matches(facts)) {
                return new StreamMatch(c.route, c.service);
            }
        }
        return null;
    }

    /**
     * Whether a plain (non-{@code ssl}) connection to {@code destination} could be routed by SNI: some
     * {@code tls_passthrough} route with {@code snis} has no {@code destinations}, or one that matches this address
     * ({@code tls}-only routes are served on {@code ssl} listeners, which always read the ClientHello). Connections
     * for which this is false never wait for a ClientHello (server-speaks-first protocols must not hang).
     */
    public boolean wantsSni(InetSocketAddress destination) {
        if (!anySni) {
            return false;
        }
        for (Compiled c : routes) {
            if (c.snis != null && c.route.protocols().contains(Protocol.TLS_PASSTHROUGH)
                    && (c.destinations == null || Net.anyMatches(c.destinations, destination))) {
                return true;
            }
        }
        return false;
    }

    /** Number of stream routes. */
    public int size() {
        return routes.length;
    }

    /** The routes in the order they are tried (tests, diagnostics). */
    public List<Route> order() {
        List<Route> out = new ArrayList<>(routes.length);
        for (Compiled c : routes) {
            out.add(c.route);
        }
        return out;
    }

    /** Kong's {@code stream_get_priority}. */
    static long priority(Route r) {
        boolean hasSnis = nonEmpty(r.snis());
        boolean hasSrc = nonEmpty(r.sources());
        boolean hasDst = nonEmpty(r.destinations());
        long p = hasSnis || (hasSrc && hasDst) ? SNI_BIT : 0;
        return p | ((long) weight(r.sources()) << 4) | weight(r.destinations());
    }

    private static int weight(List<CidrPort> list) {
        int w = 0;
        if (list == null) {
            return 0;
        }
        for (CidrPort cp : list) {
            if (cp.ip() != null) {
                w |= cp.ip().indexOf('/') >= 0 ? CIDR_BIT : IP_BIT;
            }
            if (cp.port() != null) {
                w |= PORT_BIT;
            }
        }
        return w;
    }

    private static boolean nonEmpty(List<?> l) {
        return l != null && !l.isEmpty();
    }

    private static Net[] nets(List<CidrPort> list) {
        if (!nonEmpty(list)) {
            return null;
        }
        Net[] out = new Net[list.size()];
        for (int i = 0; i < out.length; i++) {
            CidrPort cp = list.get(i);
            out[i] = new Net(cp.ip() == null ? null : CidrSet.parse(List.of(cp.ip())), cp.port() == null ? -1 : cp.port());
        }
        return out;
    }

    private static Sni[] snis(List<String> list) {
        if (!nonEmpty(list)) {
            return null;
        }
        List<Sni> out = new ArrayList<>(list.size());
        for (String raw : list) {
            if (raw == null || raw.isEmpty()) {
                continue;
            }
            String s = raw.toLowerCase(Locale.ROOT);
            if (s.length() > 1 && s.endsWith(".")) {
                s = s.substring(0, s.length() - 1);
            }
            if (s.startsWith("*")) {
                out.add(new Sni(Sni.SUFFIX, s.substring(1)));
            } else if (s.endsWith("*")) {
                out.add(new Sni(Sni.PREFIX, s.substring(0, s.length() - 1)));
            } else {
                out.add(new Sni(Sni.EXACT, s));
            }
        }
        return out.isEmpty() ? null : out.toArray(Sni[]::new);
    }

    /** One {@code sources}/{@code destinations} entry; {@code ips} null = any address, {@code port} -1 = any port. */
    private record Net(CidrSet ips, int port) {
        boolean matches(InetSocketAddress a) {
            if (port >= 0 && a.getPort() != port) {
                return false;
            }
            if (ips == null) {
                return true;
            }
            InetAddress ip = a.getAddress();
            return ip != null && ips.contains(ip);
        }

        static boolean anyMatches(Net[] nets, InetSocketAddress a) {
            for (Net n : nets) {
                if (n.matches(a)) {
                    return true;
                }
            }
            return false;
        }
    }

    private record Sni(int op, String value) {
        static final int EXACT = 0;
        static final int SUFFIX = 1;
        static final int PREFIX = 2;

        boolean matches(String sni) {
            return switch (op) {
                case SUFFIX -> sni.endsWith(value);
                case PREFIX -> sni.startsWith(value);
                default -> sni.equals(value);
            };
        }
    }

    private record Compiled(Route route, Service service, long priority, Net[] sources, Net[] destinations, Sni[] snis) {
        boolean accepts(Set<Protocol> accepted) {
            for (Protocol p : route.protocols()) {
                if (accepted.contains(p)) {
                    return true;
                }
            }
            return false;
        }

        boolean matches(ConnectionFacts f) {
            if (snis != null && f.sni() != null && !anySni(f.sni())) {
                return false;
            }
            if (sources != null && !Net.anyMatches(sources, f.source())) {
                return false;
            }
            return destinations == null || Net.anyMatches(destinations, f.destination());
        }

        private boolean anySni(String sni) {
            for (Sni s : snis) {
                if (s.matches(sni)) {
                    return true;
                }
            }
            return false;
        }
    }
}
