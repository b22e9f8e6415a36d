package org.kongjava.stream;

import java.net.InetAddress;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.kongjava.config.model.Route;
import org.kongjava.config.model.Service;
import org.kongjava.config.net.CidrSet;

/**
 * Client IP allow/deny lists per stream route or service: the one {@link StreamPrereadHook} kong-java ships,
 * configured by the kong.conf key {@code stream_ip_restrictions} (see docs/stream-proxy.md).
 * <p>
 * Syntax: rules separated by {@code ;}, each {@code route:<name-or-id>} or {@code service:<name-or-id>} followed by
 * {@code allow <ip-or-cidr>...} and/or {@code deny <ip-or-cidr>...}, e.g.
 * {@code route:pg allow 10.0.0.0/8 192.168.0.0/16; service:ssh deny 203.0.113.0/24}.
 * <p>
 * Semantics follow Kong's {@code ip-restriction} plugin: a client in {@code deny} is refused; with an {@code allow}
 * list, a client not in it is refused. A route's rule, when present, replaces its service's rule (the more
 * specific one wins, as a route plugin overrides a service plugin in Kong).
 */
public final class IpRestrictions implements StreamPrereadHook {
    /** The kong.conf key. */
    public static final String KEY = "stream_ip_restrictions";

    record Rule(String target, CidrSet allow, CidrSet deny) {
        String check(InetAddress client) {
            if (deny != null && deny.contains(client)) {
                return "client " + client.getHostAddress() + " is denied by " + KEY + " (" + target + ")";
            }
            if (allow != null && !allow.contains(client)) {
                return "client " + client.getHostAddress() + " is not allowed by " + KEY + " (" + target + ")";
            }
            return null;
        }
    }

    private final Map<String, Rule> routes;
    private final Map<String, Rule> services;

    private IpRestrictions(Map<String, Rule> routes, Map<String, Rule> services) {
        this.routes = routes;
        this.services = services;
    }

    /** No rules: every connection continues. */
    public static final IpRestrictions NONE = new IpRestrictions(Map.of(), Map.of());

    /**
     * Parses the value of {@code stream_ip_restrictions}; null or blank gives {@link #NONE}.
     *
     * @throws IllegalArgumentException naming the key, the rule and the expected form
     */
    public static IpRestrictions parse(String value) {
        if (value == null || value.isBlank()) {
            return NONE;
        }
        Map<String, Rule> routes = new LinkedHashMap<>();
        Map<String, Rule> services = new LinkedHashMap<>();
        for (String raw : value.split(";")) {
            String rule = raw.strip();
            if (rule.isEmpty()) {
                continue;
            }
            String[] tokens = rule.split("\\s+");
            String target = tokens[0];
            int colon = target.indexOf(':');
            String kind = colon < 0 ? "" : target.substring(0, colon).toLowerCase(Locale.ROOT);
            String name = colon < 0 ? "" : target.substring(colon + 1);
            if (!(kind.equals("route") || kind.equals("service")) || name.isEmpty()) {
                throw bad(rule, "'" + target + "' must be route:<name-or-id> or service:<name-or-id>");
            }
            List<String> allow = null;
            List<String> deny = null;
            List<String> current = null;
            for (int i = 1; i < tokens.length; i++) {
                String t = tokens[i];
                if (t.equalsIgnoreCase("allow")) {
                    current = allow = allow == null ? new ArrayList<>() : allow;
                } else if (t.equalsIgnoreCase("deny")) {
                    current = deny = deny == null ? new ArrayList<>() : deny;
                } else if (current == null) {
                    throw bad(rule, "expected 'allow' or 'deny' before '" + t + "'");
                } else if (!CidrSet.isValidEntry(t) || t.equals("unix:")) {
                    throw bad(rule, "'" + t + "' is not an IP address or CIDR block");
                } else {
                    current.add(t);
                }
            }
            if ((allow == null || allow.isEmpty()) && (deny == null || deny.isEmpty())) {
                throw bad(rule, "it has no 'allow' or 'deny' addresses");
            }
            Rule r = new Rule(target, allow == null || allow.isEmpty() ? null : CidrSet.parse(allow),
                    deny == null || deny.isEmpty() ? null : CidrSet.parse(deny));
            Map<String, Rule> into = kind.equals("route") ? routes : services;
            if (into.put(name, r) != null) {
                throw bad(rule, target + " has more than one rule");
            }
        }
        return new IpRestrictions(Map.copyOf(routes), Map.copyOf(services));
    }

    private static IllegalArgumentException bad(String rule, String why) {
        return new IllegalArgumentException(KEY + ": rule '" + rule + "': " + why
                + " (expected: route:<name-or-id>|service:<name-or-id> [allow <ip-or-cidr>...] [deny <ip-or-cidr>...]; ...)");
    }

    public boolean isEmpty() {
        return routes.isEmpty() && services.isEmpty();
    }

    @Override
    public Verdict preread(PrereadContext c) {
        Rule rule = find(routes, c.route() == null ? null : c.route().id().toString(), c.route() == null ? null : c.route().name());
        if (rule == null) {
            Service s = c.service();
            rule = find(services, s == null ? null : s.id().toString(), s == null ? null : s.name());
        }
        if (rule == null || c.client().getAddress() == null) {
            return Verdict.CONTINUE;
        }
        String refused = rule.check(c.client().getAddress());
        return refused == null ? Verdict.CONTINUE : Verdict.deny(refused);
    }

    private static Rule find(Map<String, Rule> rules, String id, String name) {
        if (rules.isEmpty()) {
            return null;
        }
        Rule r = id == null ? null : rules.get(id);
        return r != null || name == null ? r : rules.get(name);
    }

    /** For tests: the rule of a route, by name or id. */
    Rule forRoute(Route r) {
        return find(routes, r.id().toString(), r.name());
    }
}
