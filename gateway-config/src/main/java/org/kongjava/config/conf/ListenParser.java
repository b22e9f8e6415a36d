package org.kongjava.config.conf;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import org.kongjava.config.net.IpAddresses;

/**
 * Parses a {@code *_listen} value ({@code off} or {@code address:port [flags], ...}) into {@link ListenSpec}s.
 *
 * <p>Follows Kong's {@code conf_loader/listeners.lua}: {@code off} as the first entry disables the set; flags are
 * whitespace-separated tokens in any order; every token must be one of the key's flags. Stricter than Kong where
 * Kong lets mistakes through: a port must be 0-65535, a dotted address must be a valid IPv4 address, and every
 * entry with a problem is reported (not only the first).
 */
final class ListenParser {

    private ListenParser() {
    }

    record Result(List<ListenSpec> specs, List<String> problems) {
    }

    static Result parse(String key, String raw, List<String> flags) {
        List<ListenSpec> specs = new ArrayList<>();
        List<String> problems = new ArrayList<>();
        List<String> entries = Strings.splitList(raw);
        if (entries.isEmpty()) {
            problems.add(usage(key, flags) + "; got '" + (raw == null ? "" : raw) + "'");
            return new Result(List.of(), problems);
        }
        if (entries.get(0).equals("off")) {
            return new Result(List.of(), problems);
        }
        for (String entry : entries) {
            ListenSpec spec = parseEntry(key, entry, flags, problems);
            if (spec != null) {
                specs.add(spec);
            }
        }
        return new Result(problems.isEmpty() ? List.copyOf(specs) : List.of(), problems);
    }

    /** Kong's usage line, with the key's own flag list. */
    static String usage(String key, List<String> flags) {
        return key + " must be of form: [off] | <ip>:<port> [" + String.join("] [", flags) + "], [... next entry ...]";
    }

    private static ListenSpec parseEntry(String key, String entry, List<String> flags, List<String> problems) {
        String address = null;
        List<String> unknown = new ArrayList<>();
        boolean ssl = false;
        boolean http2 = false;
        boolean proxyProtocol = false;
        boolean transparent = false;
        boolean deferred = false;
        boolean bind = false;
        boolean reuseport = false;
        boolean udp = false;
        int backlog = -1;
        Boolean ipv6only = null;
        String soKeepalive = null;
        for (String token : Strings.tokens(entry)) {
            if (!accepts(flags, token)) {
                unknown.add(token);
                continue;
            }
            switch (token) {
                case "ssl" -> ssl = true;
                case "http2" -> http2 = true;
                case "proxy_protocol" -> proxyProtocol = true;
                case "transparent" -> transparent = true;
                case "deferred" -> deferred = true;
                case "bind" -> bind = true;
                case "reuseport" -> reuseport = true;
                case "udp" -> udp = true;
                case "ipv6only=on" -> ipv6only = Boolean.TRUE;
                case "ipv6only=off" -> ipv6only = Boolean.FALSE;
                default -> {
                    if (token.startsWith("backlog=")) {
                        long n = NginxValues.parseDigits(token.substring("backlog=".length()));
                        if (n < 1 || n > Integer.MAX_VALUE) {
                            problems.add(key + ": invalid backlog '" + token + "' in '" + entry
                                    + "' (expected backlog=<number> from 1 to " + Integer.MAX_VALUE + ")");
                            return null;
                        }
                        backlog = (int) n;
                    } else if (token.startsWith("so_keepalive=")) {
                        soKeepalive = token.substring("so_keepalive=".length());
                    }
                }
            }
        }
        // The address is the first non-flag token with a ':' (else the first non-flag token); the rest are
        // unknown flags.
        for (String token : unknown) {
            if (token.indexOf(':') >= 0) {
                address = token;
                break;
            }
        }
        if (address == null && !unknown.isEmpty() && !looksLikeFlag(unknown.get(0))) {
            address = unknown.get(0);
        }
        if (address != null) {
            unknown.remove(address);
        }
        if (!unknown.isEmpty()) {
            problems.add(usage(key, flags) + "; got '" + entry + "' (unknown flag '" + String.join("', '", unknown)
                    + "'" + (unknownHint(key, unknown)) + ")");
            return null;
        }
        if (address == null) {
            problems.add(usage(key, flags) + "; got '" + entry + "' (missing <ip>:<port>)");
            return null;
        }
        if (address.indexOf(':') < 0) {
            problems.add(usage(key, flags) + "; got '" + entry + "' (missing port)");
            return null;
        }
        String host;
        String port;
        if (address.startsWith("[")) {
            int close = address.indexOf("]:");
            if (close < 0) {
                problems.add(usage(key, flags) + "; got '" + entry + "' (missing port; expected [<IPv6>]:<port>)");
                return null;
            }
            host = address.substring(1, close);
            port = address.substring(close + 2);
            if (host.indexOf(':') < 0 || IpAddresses.parseLiteral(host) == null) {
                problems.add(key + ": invalid IPv6 address '" + host + "' in '" + entry
                        + "' (expected an IPv6 address in brackets, e.g. [::]:8000)");
                return null;
            }
        } else {
            int colon = address.lastIndexOf(':');
            host = address.substring(0, colon);
            port = address.substring(colon + 1);
            if (host.indexOf(':') >= 0) {
                problems.add(key + ": IPv6 address without brackets in '" + entry
                        + "' (expected [<IPv6>]:<port>, e.g. [::1]:8000)");
                return null;
            }
            if (host.equals("*")) {
                host = "0.0.0.0"; // nginx: '*' is every IPv4 address
            } else if (IpAddresses.looksLikeIpv4(host)) {
                if (IpAddresses.parseLiteral(host) == null) {
                    problems.add(key + ": invalid IPv4 address '" + host + "' in '" + entry
                            + "' (expected four numbers 0-255, e.g. 127.0.0.1)");
                    return null;
                }
            } else if (!isHostname(host)) {
                problems.add(key + ": invalid host '" + host + "' in '" + entry
                        + "' (expected an IPv4 address, an IPv6 address in brackets, or a hostname)");
                return null;
            }
        }
        long portNumber = NginxValues.parseDigits(port);
        if (portNumber < 0 || portNumber > 65535) {
            problems.add(key + ": invalid port '" + port + "' in '" + entry + "' (expected 0-65535)");
            return null;
        }
        return new ListenSpec(key, host, (int) portNumber, ssl, http2, proxyProtocol, transparent, deferred, bind,
                reuseport, backlog, ipv6only, soKeepalive, udp);
    }

    private static String unknownHint(String key, List<String> unknown) {
        for (String u : unknown) {
            if (accepts(KongSchema.HTTP_LISTEN_FLAGS, u) || accepts(KongSchema.STREAM_LISTEN_FLAGS, u)
                    || u.equals(KongSchema.TRANSPARENT)) {
                return "; '" + u + "' is not accepted on " + key;
            }
        }
        return "";
    }

    /** True when {@code token} matches one of Kong's flag patterns ({@code backlog=%d+} and so on). */
    static boolean accepts(List<String> flags, String token) {
        for (String flag : flags) {
            if (flag.indexOf('%') < 0 ? flag.equals(token) : luaPattern(flag).matcher(token).matches()) {
                return true;
            }
        }
        return false;
    }

    private static final Pattern BACKLOG = Pattern.compile("backlog=[0-9]+");
    private static final Pattern KEEPALIVE = Pattern.compile("so_keepalive=[A-Za-z0-9]*:[A-Za-z0-9]*:[0-9]*");

    private static Pattern luaPattern(String flag) {
        return switch (flag) {
            case "backlog=%d+" -> BACKLOG;
            case "so_keepalive=%w*:%w*:%d*" -> KEEPALIVE;
            default -> throw new IllegalStateException("no translation for flag pattern " + flag);
        };
    }

    /** Lower-case word characters only, or a known flag with a bad value: reads as a flag, not a host. */
    private static boolean looksLikeFlag(String token) {
        return token.indexOf('=') >= 0 || accepts(KongSchema.HTTP_LISTEN_FLAGS, token)
                || accepts(KongSchema.STREAM_LISTEN_FLAGS, token) || token.equals(KongSchema.TRANSPARENT);
    }

    private static boolean isHostname(String host) {
        if (host.isEmpty() || host.length() > 253) {
            return false;
        }
        for (int i = 0; i < host.length(); i++) {
            char c = host.charAt(i);
            boolean ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
                    || c == '-' || c == '.' || c == '_';
            if (!ok) {
                return false;
            }
        }
        return true;
    }
}
