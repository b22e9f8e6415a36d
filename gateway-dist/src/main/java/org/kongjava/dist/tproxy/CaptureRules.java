package org.kongjava.dist.tproxy;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The iptables rules of {@code transparent-proxy install}, as {@code iptables-restore --noflush} input, and the
 * edits that remove them again. Pure text in, text out: what is applied is exactly what {@code --dry-run} prints.
 * <p>
 * Every rule carries {@code -m comment --comment kong-java}; the gateway's chains are named {@code KONGJAVA_*}.
 * Removal therefore deletes exactly the commented rules in built-in chains and the {@code KONGJAVA_*} chains,
 * whatever options they were installed with, and leaves every other rule alone.
 */
final class CaptureRules {
    static final String COMMENT = "kong-java";
    static final String CHAIN_PREFIX = "KONGJAVA_";
    static final String INBOUND = "KONGJAVA_INBOUND";
    static final String INBOUND_REDIRECT = "KONGJAVA_INBOUND_REDIRECT";
    static final String OUTBOUND = "KONGJAVA_OUTBOUND";
    static final String OUTBOUND_REDIRECT = "KONGJAVA_OUTBOUND_REDIRECT";
    /** The packet mark and routing table of TPROXY mode (0x539 = 1337). */
    static final String MARK = "0x539";
    static final int ROUTE_TABLE = 133;
    /** The tables the gateway may write to. */
    static final List<String> TABLES = List.of("nat", "mangle");

    private static final String TAG = "-m comment --comment " + COMMENT;
    private static final Pattern TAGGED = Pattern.compile("--comment \"?" + Pattern.quote(COMMENT) + "\"?(\\s|$)");

    private CaptureRules() {
    }

    /**
     * The rules to install for one address family, per table (insertion order = application order).
     *
     * @param uid the gateway user's uid (never captured)
     */
    static Map<String, List<String>> rules(CaptureOptions o, boolean ipv6, int uid) {
        Map<String, List<String>> tables = new LinkedHashMap<>();
        List<String> nat = new ArrayList<>();
        String loopback = ipv6 ? "::1/128" : "127.0.0.0/8";
        if (o.mode() == CaptureOptions.Mode.REDIRECT) {
            nat.add("-A " + INBOUND_REDIRECT + " -p tcp " + TAG + " -j REDIRECT --to-ports " + o.inboundPort());
            for (int p : o.excludeInbound()) {
                nat.add("-A " + INBOUND + " -p tcp --dport " + p + " " + TAG + " -j RETURN");
            }
            nat.add("-A " + INBOUND + " -p tcp " + TAG + " -j " + INBOUND_REDIRECT);
            nat.add("-A PREROUTING -p tcp " + TAG + " -j " + INBOUND);
        }
        nat.add("-A " + OUTBOUND_REDIRECT + " -p tcp " + TAG + " -j REDIRECT --to-ports " + o.outboundPort());
        // The gateway's own connections (to upstreams and original destinations) are never captured again.
        nat.add("-A " + OUTBOUND + " -m owner --uid-owner " + uid + " " + TAG + " -j RETURN");
        nat.add("-A " + OUTBOUND + " -d " + loopback + " " + TAG + " -j RETURN");
        for (int p : o.excludeOutbound()) {
            nat.add("-A " + OUTBOUND + " -p tcp --dport " + p + " " + TAG + " -j RETURN");
        }
        nat.add("-A " + OUTBOUND + " -p tcp " + TAG + " -j " + OUTBOUND_REDIRECT);
        nat.add("-A OUTPUT -p tcp " + TAG + " -j " + OUTBOUND);
        tables.put("nat", nat);
        if (o.mode() == CaptureOptions.Mode.TPROXY) {
            List<String> mangle = new ArrayList<>();
            // Loopback traffic is local traffic, already handled (or excluded) by the outbound rules.
            mangle.add("-A " + INBOUND + " -i lo " + TAG + " -j RETURN");
            for (int p : o.excludeInbound()) {
                mangle.add("-A " + INBOUND + " -p tcp --dport " + p + " " + TAG + " -j RETURN");
            }
            mangle.add("-A " + INBOUND + " -p tcp " + TAG + " -j TPROXY --on-port " + o.inboundPort()
                    + " --tproxy-mark " + MARK + "/0xffffffff");
            mangle.add("-A PREROUTING -p tcp " + TAG + " -j " + INBOUND);
            tables.put("mangle", mangle);
        }
        return tables;
    }

    /** The {@code ip} commands of TPROXY mode: marked packets are delivered locally. */
    static List<List<String>> policyRoute(boolean ipv6) {
        String family = ipv6 ? "-6" : "-4";
        return List.of(
                List.of("ip", family, "rule", "add", "fwmark", MARK, "lookup", Integer.toString(ROUTE_TABLE)),
                List.of("ip", family, "route", "replace", "local", ipv6 ? "::/0" : "0.0.0.0/0", "dev", "lo", "table",
                        Integer.toString(ROUTE_TABLE)));
    }

    /**
     * {@code iptables-restore --noflush} input turning the current state of the tables ({@code iptables-save}
     * output) into: no gateway rules, then {@code wanted} (empty = uninstall). Tables with nothing to do are left
     * out; returns "" when nothing changes at all.
     */
    static String transition(Map<String, String> saved, Map<String, List<String>> wanted) {
        StringBuilder out = new StringBuilder();
        Set<String> tables = new LinkedHashSet<>(TABLES);
        tables.addAll(wanted.keySet());
        for (String table : tables) {
            String current = saved.getOrDefault(table, "");
            List<String> rules = wanted.getOrDefault(table, List.of());
            Set<String> existing = ownChains(current);
            Set<String> needed = chainsOf(rules);
            List<String> ops = new ArrayList<>();
            for (String line : current.split("\n")) {
                if (line.startsWith("-A ") && TAGGED.matcher(line).find()) {
                    String chain = line.substring(3, line.indexOf(' ', 3) < 0 ? line.length() : line.indexOf(' ', 3));
                    if (!chain.startsWith(CHAIN_PREFIX)) {
                        ops.add("-D " + line.substring(3));
                    }
                }
            }
            for (String chain : existing) {
                ops.add("-F " + chain);
            }
            for (String chain : existing) {
                if (!needed.contains(chain)) {
                    ops.add("-X " + chain);
                }
            }
            if (ops.isEmpty() && rules.isEmpty()) {
                continue;
            }
            out.append('*').append(table).append('\n');
            for (String chain : needed) {
                if (!existing.contains(chain)) {
                    out.append(':').append(chain).append(" - [0:0]\n");
                }
            }
            ops.forEach(op -> out.append(op).append('\n'));
            rules.forEach(r -> out.append(r).append('\n'));
            out.append("COMMIT\n");
        }
        return out.toString();
    }

    /** Whether the saved tables hold any gateway rule or chain. */
    static boolean installed(Map<String, String> saved) {
        for (String text : saved.values()) {
            if (!ownChains(text).isEmpty() || TAGGED.matcher(text).find()) {
                return true;
            }
        }
        return false;
    }

    private static Set<String> ownChains(String saved) {
        Set<String> chains = new LinkedHashSet<>();
        for (String line : saved.split("\n")) {
            if (line.startsWith(":" + CHAIN_PREFIX)) {
                chains.add(line.substring(1, line.indexOf(' ') < 0 ? line.length() : line.indexOf(' ')));
            }
        }
        return chains;
    }

    private static Set<String> chainsOf(List<String> rules) {
        Set<String> chains = new LinkedHashSet<>();
        for (String r : rules) {
            String chain = r.substring(3, r.indexOf(' ', 3));
            if (chain.startsWith(CHAIN_PREFIX)) {
                chains.add(chain);
            }
        }
        return chains;
    }
}
