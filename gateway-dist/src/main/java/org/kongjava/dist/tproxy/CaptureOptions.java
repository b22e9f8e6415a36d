package org.kongjava.dist.tproxy;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The flags of {@code kong-java transparent-proxy install|uninstall}, parsed and checked before anything is
 * changed: a wrong flag never leaves rules half-installed.
 *
 * @param action          {@code install} or {@code uninstall}
 * @param mode            how inbound traffic is captured
 * @param inboundPort     where inbound TCP goes (a {@code transparent} proxy_listen/stream_listen port)
 * @param outboundPort    where outbound TCP goes
 * @param excludeInbound  destination ports of inbound traffic left alone (e.g. 22)
 * @param excludeOutbound destination ports of outbound traffic left alone
 * @param gatewayUser     the user the gateway runs as, as given (name or uid); its traffic is never captured
 * @param ipv6            also write ip6tables rules
 * @param dryRun          print what would be applied, change nothing
 */
record CaptureOptions(String action, Mode mode, int inboundPort, int outboundPort, List<Integer> excludeInbound,
                      List<Integer> excludeOutbound, String gatewayUser, boolean ipv6, boolean dryRun) {

    static final int DEFAULT_INBOUND = 15006;
    static final int DEFAULT_OUTBOUND = 15001;

    /** Inbound capture style; outbound traffic is always redirected (locally generated traffic cannot be TPROXY'd directly). */
    enum Mode {
        /** nat table REDIRECT: the gateway reads SO_ORIGINAL_DST. */
        REDIRECT,
        /** mangle table TPROXY with a mark and a policy route: destination and source addresses are untouched. */
        TPROXY
    }

    static final String USAGE = """
            Usage: kong-java transparent-proxy install|uninstall [OPTIONS]
            Captures this host's TCP traffic with iptables so that it passes through the gateway's transparent
            listeners; uninstall removes exactly the rules and chains install wrote (all carry the comment kong-java).
              --inbound-port PORT            inbound TCP goes here (default 15006)
              --outbound-port PORT           outbound TCP goes here (default 15001)
              --exclude-inbound-ports LIST   comma-separated destination ports not captured inbound (e.g. 22)
              --exclude-outbound-ports LIST  comma-separated destination ports not captured outbound
              --gateway-user USER            user (name or uid) the gateway runs as: its own connections are never
                                             captured (required by install)
              --mode redirect|tproxy         inbound capture: nat REDIRECT (default) or mangle TPROXY with a policy route
              --ipv6                         also capture IPv6 (ip6tables)
              --dry-run                      print the rules and commands instead of applying them
            Needs root (or CAP_NET_ADMIN) and iptables. The rules do not survive a reboot: see
            docs/transparent-proxying.md to persist them.""";

    /** Parses {@code argv} after the word {@code transparent-proxy}. */
    static CaptureOptions parse(List<String> args) {
        String action = null;
        Mode mode = Mode.REDIRECT;
        int inbound = DEFAULT_INBOUND;
        int outbound = DEFAULT_OUTBOUND;
        List<Integer> exIn = List.of();
        List<Integer> exOut = List.of();
        String user = null;
        boolean ipv6 = false;
        boolean dryRun = false;
        for (int i = 0; i < args.size(); i++) {
            String a = args.get(i);
            String value = null;
            int eq = a.indexOf('=');
            if (a.startsWith("--") && eq > 0) {
                value = a.substring(eq + 1);
                a = a.substring(0, eq);
            }
            switch (a) {
                case "--inbound-port" -> inbound = port(a, value != null ? value : next(args, ++i, a));
                case "--outbound-port" -> outbound = port(a, value != null ? value : next(args, ++i, a));
                case "--exclude-inbound-ports" -> exIn = ports(a, value != null ? value : next(args, ++i, a));
                case "--exclude-outbound-ports" -> exOut = ports(a, value != null ? value : next(args, ++i, a));
                case "--gateway-user" -> user = value != null ? value : next(args, ++i, a);
                case "--mode" -> mode = mode(value != null ? value : next(args, ++i, a));
                case "--ipv6" -> ipv6 = true;
                case "--dry-run" -> dryRun = true;
                default -> {
                    if (a.startsWith("-")) {
                        throw new IllegalArgumentException("unknown option '" + a + "'");
                    }
                    if (action != null) {
                        throw new IllegalArgumentException("unexpected argument '" + a + "'");
                    }
                    if (!a.equals("install") && !a.equals("uninstall")) {
                        throw new IllegalArgumentException("unknown action '" + a + "' (expected: install or uninstall)");
                    }
                    action = a;
                }
            }
        }
        if (action == null) {
            throw new IllegalArgumentException("missing action (expected: install or uninstall)");
        }
        if (inbound == outbound) {
            throw new IllegalArgumentException("--inbound-port and --outbound-port are both " + inbound
                    + " (expected: two different ports, one per direction)");
        }
        if (exIn.contains(inbound)) {
            throw new IllegalArgumentException("--exclude-inbound-ports lists the inbound port " + inbound
                    + " itself (expected: ports of other services, e.g. 22)");
        }
        if (action.equals("install") && (user == null || user.isBlank())) {
            throw new IllegalArgumentException("--gateway-user is required: the gateway's own upstream connections "
                    + "must not be captured again (give the user it runs as, e.g. --gateway-user kong)");
        }
        return new CaptureOptions(action, mode, inbound, outbound, exIn, exOut, user, ipv6, dryRun);
    }

    private static String next(List<String> args, int i, String flag) {
        if (i >= args.size()) {
            throw new IllegalArgumentException("option " + flag + " needs a value");
        }
        return args.get(i);
    }

    private static Mode mode(String v) {
        return switch (v.toLowerCase(Locale.ROOT)) {
            case "redirect" -> Mode.REDIRECT;
            case "tproxy" -> Mode.TPROXY;
            default -> throw new IllegalArgumentException("--mode: unknown mode '" + v + "' (expected: redirect or tproxy)");
        };
    }

    static int port(String flag, String v) {
        try {
            int p = Integer.parseInt(v.trim());
            if (p >= 1 && p <= 65535) {
                return p;
            }
        } catch (NumberFormatException ignored) {
            // reported below
        }
        throw new IllegalArgumentException(flag + ": '" + v + "' is not a port (expected: 1-65535)");
    }

    private static List<Integer> ports(String flag, String v) {
        List<Integer> out = new ArrayList<>();
        for (String part : v.split(",")) {
            if (part.isBlank()) {
                continue;
            }
            int p = port(flag, part);
            if (!out.contains(p)) {
                out.add(p);
            }
        }
        return List.copyOf(out);
    }
}
