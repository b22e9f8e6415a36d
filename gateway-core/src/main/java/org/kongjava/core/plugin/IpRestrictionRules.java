package org.kongjava.core.plugin;

import java.net.InetAddress;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import org.kongjava.config.model.EntitySet;
import org.kongjava.config.model.Plugin;
import org.kongjava.config.net.CidrSet;

/**
 * The {@code ip-restriction} plugins of one configuration, compiled for the data plane: which rule applies to a
 * request or connection, found in O(1) from its route and service.
 * <p>
 * Kong's precedence (consumers aside, kong-java has none): a plugin on the route and the service together, else on
 * the route, else on the service, else the global one. Only enabled plugins count, and each subsystem sees only the
 * plugins whose {@code protocols} include one of its protocols (HTTP: http, https, grpc, grpcs; stream: tcp, tls,
 * tls_passthrough, udp), as Kong's plugin iterator loads them per subsystem.
 */
public final class IpRestrictionRules {
    /** No plugins: nothing is restricted. */
    public static final IpRestrictionRules NONE = new IpRestrictionRules(Subsystem.HTTP, Map.of(), null, Map.of(), Map.of(), Map.of());

    /** The two plugin worlds of Kong's nginx: the {@code http} and {@code stream} subsystems. */
    public enum Subsystem {
        HTTP(Set.of("http", "https", "grpc", "grpcs")),
        STREAM(Set.of("tcp", "tls", "tls_passthrough", "udp"));

        private final Set<String> protocols;

        Subsystem(Set<String> protocols) {
            this.protocols = protocols;
        }

        boolean covers(List<String> pluginProtocols) {
            for (String p : pluginProtocols) {
                if (protocols.contains(p)) {
                    return true;
                }
            }
            return false;
        }
    }

    /**
     * One plugin's compiled configuration.
     *
     * @param pluginId the plugin, for logs
     * @param status   {@code config.status}, or null (Kong answers 403)
     * @param message  {@code config.message}, or null (Kong's default names the address)
     */
    public record Rule(UUID pluginId, CidrSet allow, CidrSet deny, Integer status, String message) {
        /**
         * Kong's check: an address in {@code deny} is refused; with a non-empty {@code allow}, an address outside it
         * is refused. A null address (a unix socket peer) is refused, as Kong cannot identify it either.
         */
        public boolean permits(InetAddress client) {
            if (client == null) {
                return false;
            }
            if (!deny.isEmpty() && deny.contains(client)) {
                return false;
            }
            return allow.isEmpty() || allow.contains(client);
        }

        /** The HTTP status of a refusal: {@code config.status}, else 403. */
        public int statusOrDefault() {
            return status == null ? 403 : status;
        }

        /** The refusal message: {@code config.message}, else Kong's {@code IP address not allowed: <ip>}. */
        public String messageFor(String clientIp) {
            return message != null ? message : "IP address not allowed: " + clientIp;
        }
    }

    private record Pair(UUID route, UUID service) {
    }

    private final Subsystem subsystem;
    private final Map<Pair, Rule> routeAndService;
    private final Rule global;
    private final Map<UUID, Rule> byRoute;
    private final Map<UUID, Rule> byService;
    private final Map<Subsystem, IpRestrictionRules> others;

    private IpRestrictionRules(Subsystem subsystem, Map<Pair, Rule> routeAndService, Rule global, Map<UUID, Rule> byRoute,
                               Map<UUID, Rule> byService, Map<Subsystem, IpRestrictionRules> others) {
        this.subsystem = subsystem;
        this.routeAndService = routeAndService;
        this.global = global;
        this.byRoute = byRoute;
        this.byService = byService;
        this.others = others;
    }

    /** Compiles the rules of both subsystems from a validated set. */
    public static IpRestrictionRules compile(EntitySet set) {
        if (set.plugins().isEmpty()) {
            return NONE;
        }
        IpRestrictionRules stream = compile(set, Subsystem.STREAM, Map.of());
        return compile(set, Subsystem.HTTP, Map.of(Subsystem.STREAM, stream));
    }

    private static IpRestrictionRules compile(EntitySet set, Subsystem sub, Map<Subsystem, IpRestrictionRules> others) {
        Map<Pair, Rule> both = new HashMap<>();
        Map<UUID, Rule> routes = new HashMap<>();
        Map<UUID, Rule> services = new HashMap<>();
        Rule global = null;
        for (Plugin p : set.plugins().values()) {
            if (!p.enabled() || !p.name().equals("ip-restriction") || !sub.covers(p.protocols())) {
                continue;
            }
            Rule r = rule(p);
            if (p.routeId() != null && p.serviceId() != null) {
                both.put(new Pair(p.routeId(), p.serviceId()), r);
            } else if (p.routeId() != null) {
                routes.put(p.routeId(), r);
            } else if (p.serviceId() != null) {
                services.put(p.serviceId(), r);
            } else {
                global = r;
            }
        }
        return new IpRestrictionRules(sub, Map.copyOf(both), global, Map.copyOf(routes), Map.copyOf(services), others);
    }

    private static Rule rule(Plugin p) {
        Map<String, Object> c = p.config();
        Object status = c.get("status");
        return new Rule(p.id(), cidrs(c.get("allow")), cidrs(c.get("deny")),
                status instanceof Number n ? n.intValue() : null, c.get("message") instanceof String s ? s : null);
    }

    private static CidrSet cidrs(Object list) {
        if (!(list instanceof List<?> l) || l.isEmpty()) {
            return CidrSet.EMPTY;
        }
        // Validated by the schema (Kong's ip_or_cidr), so parsing cannot fail here.
        return CidrSet.parse(l.stream().map(String::valueOf).toList());
    }

    /** The rules of one subsystem (this object answers for HTTP). */
    public IpRestrictionRules of(Subsystem s) {
        return s == subsystem ? this : others.getOrDefault(s, NONE);
    }

    /** True when no plugin applies anywhere in this subsystem. */
    public boolean isEmpty() {
        return global == null && routeAndService.isEmpty() && byRoute.isEmpty() && byService.isEmpty();
    }

    /** The rule for a route and its service (either may be null), or null when none applies. */
    public Rule find(UUID routeId, UUID serviceId) {
        if (isEmpty()) {
            return null;
        }
        Rule r = routeId != null && serviceId != null ? routeAndService.get(new Pair(routeId, serviceId)) : null;
        if (r == null && routeId != null) {
            r = byRoute.get(routeId);
        }
        if (r == null && serviceId != null) {
            r = byService.get(serviceId);
        }
        return r != null ? r : global;
    }

    @Override
    public String toString() {
        return "IpRestrictionRules[" + subsystem + ", global=" + (global != null) + ", routes=" + byRoute.size()
                + ", services=" + byService.size() + ", both=" + routeAndService.size() + "]";
    }

}
