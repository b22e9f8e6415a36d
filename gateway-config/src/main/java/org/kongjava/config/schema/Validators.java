package org.kongjava.config.schema;

import java.nio.charset.StandardCharsets;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.kongjava.config.route.PathNormalizer;
import org.kongjava.config.route.PathRegex;
import java.util.regex.PatternSyntaxException;

/**
 * Kong's custom field validators ({@code kong/db/schema/typedefs.lua}, {@code kong/tools/ip.lua},
 * {@code kong/tools/http.lua}). Each returns null when the value is fine, else Kong's message.
 */
final class Validators {
    private static final Pattern IPV4 = Pattern.compile("^(\\d{1,3})\\.(\\d{1,3})\\.(\\d{1,3})\\.(\\d{1,3})$");
    private static final Pattern IPV4_PORT = Pattern.compile("^(\\d{1,3})\\.(\\d{1,3})\\.(\\d{1,3})\\.(\\d{1,3}):(\\d+)$");
    private static final Pattern HEX_GROUP = Pattern.compile("^[0-9A-Fa-f]{1,4}$");
    private static final Pattern HOSTNAME_CHARS = Pattern.compile("^[0-9A-Za-z._-]+$");
    private static final Pattern TRAILING_PORT = Pattern.compile(":(\\d+)$");
    private static final Pattern PATH_CHARS = Pattern.compile("^/[A-Za-z0-9._~/%:@!$&'()*+,;=-]*$");
    private static final Pattern PERCENT_TRIPLET = Pattern.compile("%[0-9A-Fa-f]{2}");
    private static final Pattern HEADER_NAME = Pattern.compile("^[a-zA-Z0-9_-]+$");

    private Validators() {
    }

    /** A parsed host: kind is ipv4, ipv6 or name; port is null when none was given. */
    record HostPort(String kind, String host, Long port) {
    }

    /** Result of {@link #normalizeIp}: exactly one of value or error is set. */
    record Normalized(HostPort value, String error) {
    }

    /** Kong's {@code hostname_type}: by exclusion, not by validation. */
    static String hostnameType(String name) {
        int colons = 0;
        StringBuilder rest = new StringBuilder();
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            if (c == ':') {
                colons++;
            } else {
                rest.append(c);
            }
        }
        if (colons > 1) {
            return "ipv6";
        }
        if (!rest.isEmpty() && rest.chars().allMatch(c -> c == '.' || (c >= '0' && c <= '9'))) {
            return "ipv4";
        }
        return "name";
    }

    /** Kong's {@code normalize_ip}: ipv4, ipv4:port, ipv6, [ipv6]:port, name, name:port. */
    static Normalized normalizeIp(String address) {
        return switch (hostnameType(address)) {
            case "ipv4" -> normalizeIpv4(address);
            case "ipv6" -> normalizeIpv6(address);
            default -> checkHostname(address);
        };
    }

    private static Normalized normalizeIpv4(String address) {
        Matcher m = (address.indexOf(':') >= 0 ? IPV4_PORT : IPV4).matcher(address);
        if (!m.matches()) {
            return new Normalized(null, "invalid ipv4 address: " + address);
        }
        for (int i = 1; i <= 4; i++) {
            if (Integer.parseInt(m.group(i)) > 255) {
                return new Normalized(null, "invalid ipv4 address: " + address);
            }
        }
        Long port = null;
        if (m.groupCount() == 5) {
            port = parsePort(m.group(5));
            if (port == null) {
                return new Normalized(null, "invalid port number");
            }
        }
        return new Normalized(new HostPort("ipv4", address, port), null);
    }

    private static Normalized normalizeIpv6(String address) {
        String check = address;
        Long port = null;
        if (address.startsWith("[")) {
            int close = address.indexOf(']');
            if (close < 0) {
                return new Normalized(null, "invalid ipv6 address: " + address);
            }
            check = address.substring(1, close);
            String rest = address.substring(close + 1);
            if (!rest.isEmpty()) {
                if (!rest.matches(":\\d+")) {
                    return new Normalized(null, "invalid ipv6 address");
                }
                port = parsePort(rest.substring(1));
                if (port == null) {
                    return new Normalized(null, "invalid port number");
                }
            }
        }
        if (!validIpv6(check)) {
            return new Normalized(null, "invalid ipv6 address: " + address);
        }
        return new Normalized(new HostPort("ipv6", check, port), null);
    }

    /** 8 groups of 1-4 hex digits after expanding one {@code ::} (Kong's rules; no embedded IPv4). */
    static boolean validIpv6(String s) {
        return ipv6Groups(s) != null;
    }

    /** The 8 hex groups of an IPv6 literal with its {@code ::} expanded, or null when it is not one. */
    static String[] ipv6Groups(String s) {
        String check = s;
        if (check.startsWith(":")) {
            check = "0" + check;
        }
        if (check.endsWith(":")) {
            check = check + "0";
        }
        int dbl = check.indexOf("::");
        if (dbl >= 0) {
            long colons = check.chars().filter(c -> c == ':').count();
            if (colons > 8) {
                return null;
            }
            check = check.substring(0, dbl) + ":" + "0:".repeat((int) (8 - colons)) + check.substring(dbl + 2);
        }
        String[] groups = check.split(":", -1);
        if (groups.length != 8) {
            return null;
        }
        for (String g : groups) {
            if (!HEX_GROUP.matcher(g).matches()) {
                return null;
            }
        }
        return groups;
    }

    private static Normalized checkHostname(String address) {
        String name = address;
        Long port = null;
        Matcher pm = TRAILING_PORT.matcher(address);
        if (pm.find()) {
            name = address.substring(0, pm.start());
            port = parsePort(pm.group(1));
            if (port == null) {
                return new Normalized(null, "invalid port number");
            }
        }
        if (!HOSTNAME_CHARS.matcher(name).matches()) {
            return new Normalized(null, "invalid hostname: " + address);
        }
        String[] segments = name.split("\\.", -1);
        for (int i = 0; i < segments.length; i++) {
            String seg = segments[i];
            if (seg.endsWith("-") || (seg.isEmpty() && i != segments.length - 1)) {
                return new Normalized(null, "invalid hostname: " + address);
            }
        }
        return new Normalized(new HostPort("name", name, port), null);
    }

    private static Long parsePort(String digits) {
        if (digits.length() > 6) {
            return null;
        }
        long p = Long.parseLong(digits);
        return p > 65535 ? null : p;
    }

    /** Service {@code host}: a hostname or IP without a port. */
    static String host(String host) {
        Normalized n = normalizeIp(host);
        if (n.error() != null && !n.error().equals("invalid port number")) {
            return "invalid value: " + host;
        }
        if (n.error() != null || n.value().port() != null) {
            return "must not have a port";
        }
        return null;
    }

    /** Route {@code hosts} element after wildcards are replaced: host with an optional port. */
    static String hostWithWildcards(String host) {
        Normalized n = normalizeIp(host.replace("*", "abc"));
        return n.error();
    }

    /** Route {@code snis} element: wildcard host, one {@code *} as first or last character, no IP, no port. */
    static String wildcardHost(String host) {
        int idx = host.indexOf('*');
        if (idx >= 0) {
            if (idx != 0 && idx != host.length() - 1) {
                return "wildcard must be leftmost or rightmost character";
            }
            if (host.indexOf('*', idx + 1) >= 0) {
                return "only one wildcard must be specified";
            }
            host = host.replace("*", "wildcard");
        }
        Normalized n = normalizeIp(host);
        if (n.error() != null && !n.error().equals("invalid port number")) {
            return "invalid value: " + host;
        }
        if (n.value() != null && !n.value().kind().equals("name")) {
            return "must not be an IP";
        }
        if (n.error() != null || n.value().port() != null) {
            return "must not have a port";
        }
        return null;
    }

    /** Service {@code path} custom check: RFC 3986 characters and well-formed percent escapes. */
    static String path(String path) {
        String[] r = pathWithCode(path);
        return r == null ? null : r[0];
    }

    /** {message, code} with code "rfc3986" or "percent", or null when fine. */
    private static String[] pathWithCode(String path) {
        if (!PATH_CHARS.matcher(path).matches()) {
            return new String[] {"invalid path: '" + path + "' (characters outside of the reserved list of RFC 3986 found)", "rfc3986"};
        }
        String raw = PERCENT_TRIPLET.matcher(path).replaceAll("___");
        int pct = raw.indexOf('%');
        if (pct >= 0) {
            String bad = raw.substring(pct, Math.min(raw.length(), pct + 3));
            return new String[] {"invalid url-encoded value: '" + bad + "'", "percent"};
        }
        return null;
    }

    /** Route {@code paths} element custom check: percent escapes; prefix paths normalized; regexes compile. */
    static String routerPath(String path) {
        String[] r = pathWithCode(path);
        if (r != null && r[1].equals("percent")) {
            return r[0];
        }
        if (!path.startsWith("~")) {
            String normalized = PathNormalizer.normalize(path);
            if (!path.equals(normalized)) {
                return "non-normalized path, consider use '" + normalized + "' instead";
            }
            return null;
        }
        String regex = path.substring(1);
        try {
            PathRegex.compile(path); // the router's own compiler: what passes here, the router can use
        } catch (IllegalArgumentException e) {
            PatternSyntaxException cause = e.getCause() instanceof PatternSyntaxException pse ? pse : null;
            return "invalid regex: '" + regex + "' (PCRE returned: "
                    + (cause != null ? cause.getDescription() : e.getMessage()) + ")";
        }
        return null;
    }

    /** UTF-8 names (services, routes): ASCII alphanumerics, {@code . - _ ~}, any non-ASCII. */
    static String utf8Name(String name) {
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            boolean ok = c >= 0x80 || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
                    || c == '.' || c == '-' || c == '_' || c == '~';
            if (!ok) {
                return "invalid value '" + name + "': the only accepted ascii characters are alphanumerics or ., -, _, and ~";
            }
        }
        return null;
    }

    /** Tags: printable ASCII except {@code ,} and {@code /} (space allowed), plus any non-ASCII. */
    static String tag(String tag) {
        if (!validTagChars(tag)) {
            return "invalid tag '" + tag + "': expected printable ascii (except `,` and `/`) or valid utf-8 sequences";
        }
        return null;
    }

    static boolean validTagChars(String tag) {
        if (tag.isEmpty()) {
            return false;
        }
        for (int i = 0; i < tag.length(); i++) {
            char c = tag.charAt(i);
            if (c >= 0x80) {
                continue;
            }
            if (c < 0x20 || c > 0x7E || c == ',' || c == '/') {
                return false;
            }
        }
        return true;
    }

    /** Header names: {@code A-Z a-z 0-9 _ -}. */
    static String headerName(String name) {
        if (name.isEmpty()) {
            return "no header name provided";
        }
        if (!HEADER_NAME.matcher(name).matches()) {
            return "bad header name '" + name + "', allowed characters are A-Z, a-z, 0-9, '_', and '-'";
        }
        return null;
    }

    /** Sources/destinations {@code ip}: an IPv4/IPv6 address or CIDR range. */
    static String ipOrCidr(String v) {
        return isIpOrCidr(v) ? null : "invalid ip or cidr range: '" + v + "'";
    }

    static boolean isIpOrCidr(String v) {
        String addr = v;
        Integer prefix = null;
        int slash = v.indexOf('/');
        if (slash >= 0) {
            String p = v.substring(slash + 1);
            if (!p.matches("\\d{1,3}")) {
                return false;
            }
            prefix = Integer.parseInt(p);
            addr = v.substring(0, slash);
        }
        if (IPV4.matcher(addr).matches()) {
            Matcher m = IPV4.matcher(addr);
            m.matches();
            for (int i = 1; i <= 4; i++) {
                if (Integer.parseInt(m.group(i)) > 255) {
                    return false;
                }
            }
            return prefix == null || prefix <= 32;
        }
        if (addr.indexOf(':') >= 0 && validIpv6(addr)) {
            return prefix == null || prefix <= 128;
        }
        return false;
    }

    /** Whether a string is valid UTF-8 once encoded (Java strings can carry lone surrogates). */
    static boolean validUtf8(String s) {
        return StandardCharsets.UTF_8.newEncoder().canEncode(s);
    }
}
