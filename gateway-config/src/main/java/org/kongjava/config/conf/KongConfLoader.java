package org.kongjava.config.conf;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Pattern;
import org.kongjava.config.conf.KongConf.Source;
import org.kongjava.config.net.CidrSet;

/**
 * Loads kong.conf like Kong's {@code conf_loader}: built-in defaults, then the file, then {@code KONG_*}
 * environment variables, then command-line overrides; validates every implemented key and reports all problems
 * at once.
 */
public final class KongConfLoader {

    /** Where Kong looks when no {@code -c} is given, in order. */
    static final List<Path> DEFAULT_PATHS = List.of(Path.of("/etc/kong/kong.conf"), Path.of("/etc/kong.conf"));

    private static final Pattern UUID = Pattern.compile(
            "[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}");
    /** An RFC 9110 token: what a header name may be. */
    static final Pattern HEADER_TOKEN = Pattern.compile("[!#$%&'*+.^_`|~0-9A-Za-z-]+");
    /** Request headers the proxy writes or frames itself: a TLV must not replace them. */
    private static final java.util.Set<String> GATEWAY_HEADERS = java.util.Set.of("host", "connection", "upgrade",
            "te", "via", "x-real-ip", "x-kong-request-id", "content-length", "transfer-encoding", "expect",
            "keep-alive", "proxy-connection");
    /** {@code <service name>:v1|v2}; Kong's service names are letters, digits and {@code .-_~}. */
    static final Pattern UPSTREAM_PP = Pattern.compile("[A-Za-z0-9._~-]+:v[12]");
    private static final Pattern DECIMAL = Pattern.compile("[+-]?[0-9]*\\.[0-9]+|[+-]?[0-9]+\\.[0-9]*");

    private KongConfLoader() {
    }

    /** The first existing of {@code /etc/kong/kong.conf}, {@code /etc/kong.conf}; null when neither exists. */
    public static Path defaultConfPath() {
        return firstExisting(DEFAULT_PATHS);
    }

    static Path firstExisting(List<Path> candidates) {
        for (Path p : candidates) {
            if (Files.exists(p)) {
                return p;
            }
        }
        return null;
    }

    /**
     * Loads and validates the configuration.
     *
     * @param confFileOrNull the {@code -c} file, which must exist; null = no file (callers without {@code -c}
     *                       pass {@link #defaultConfPath()}, which may itself be null)
     * @param env            the process environment; only {@code KONG_<UPPER_CASE_KEY>} entries are read
     * @param overrides      command-line values with the highest precedence, e.g. {@code prefix} from {@code -p}
     * @throws ConfigException with every problem found
     */
    public static KongConf load(Path confFileOrNull, Map<String, String> env, Map<String, String> overrides) {
        List<String> problems = new ArrayList<>();
        List<String> warnings = new ArrayList<>();

        // Layers, lowest precedence first; a later layer replaces the value and the source.
        Map<String, String> user = new LinkedHashMap<>();
        Map<String, Source> sources = new HashMap<>();
        if (confFileOrNull != null) {
            if (!Files.exists(confFileOrNull)) {
                throw new ConfigException(List.of("no file at: " + confFileOrNull));
            }
            String text;
            try {
                text = new String(Files.readAllBytes(confFileOrNull), StandardCharsets.UTF_8);
            } catch (IOException e) {
                throw new ConfigException(List.of("could not load config file " + confFileOrNull + ": " + e));
            }
            ConfFileParser.Result parsed = ConfFileParser.parse(text, confFileOrNull.toString());
            problems.addAll(parsed.problems());
            warnings.addAll(parsed.warnings());
            parsed.entries().forEach((k, e) -> put(user, sources, k, e.value(), Source.FILE));
        }
        new TreeMap<>(env == null ? Map.<String, String>of() : env).forEach((name, value) -> {
            String key = envKey(name);
            if (key != null && value != null) {
                put(user, sources, key, value, Source.ENV);
            }
        });
        if (overrides != null) {
            overrides.forEach((k, v) -> {
                if (v != null) {
                    put(user, sources, k, v, Source.OVERRIDE);
                }
            });
        }

        // Effective raw values: defaults, then what the user set for keys Kong knows.
        Map<String, String> values = new LinkedHashMap<>();
        KongSchema.all().forEach((k, ck) -> values.put(k, ck.defaultValue()));
        TreeSet<String> unknown = new TreeSet<>();
        TreeSet<String> notImplemented = new TreeSet<>();
        Map<String, String> nginxDirectives = new TreeMap<>();
        TreeSet<String> nginxWithoutEffect = new TreeSet<>();
        for (Map.Entry<String, String> e : user.entrySet()) {
            String key = e.getKey();
            ConfKey ck = KongSchema.get(key);
            if (ck == null && !KongSchema.isDynamic(key)) {
                unknown.add(key);
                sources.remove(key);
                continue;
            }
            String value = Strings.trim(e.getValue());
            values.put(key, value.isEmpty() ? null : value);
            if (KongSchema.isNginxDirective(key)) {
                nginxDirectives.put(key, value);
                if (ck == null || !ck.implemented()) {
                    nginxWithoutEffect.add(key);
                }
            } else if (ck == null || !ck.implemented()) {
                notImplemented.add(key);
            }
        }

        // Aliases: the long (nginx directive) key wins when the user set it, as in Kong's aliased_properties.
        Map<String, String> validateAs = new HashMap<>();
        for (ConfKey ck : KongSchema.IMPLEMENTED) {
            if (ck.aliasOf() == null) {
                continue;
            }
            String shortKey = ck.name();
            String longKey = ck.aliasOf();
            if (sources.containsKey(longKey)) {
                values.put(shortKey, values.get(longKey));
                validateAs.put(shortKey, longKey);
            } else {
                values.put(longKey, values.get(shortKey));
                validateAs.put(longKey, shortKey);
            }
        }

        // Kong turns anything but "on" into "off" for nginx booleans; never an error.
        for (ConfKey ck : KongSchema.IMPLEMENTED) {
            String v = values.get(ck.name());
            if (ck.type() == ValueType.NGX_BOOLEAN && v != null) {
                values.put(ck.name(), v.equals("on") ? "on" : "off");
            }
        }

        for (ConfKey ck : KongSchema.IMPLEMENTED) {
            if (validateAs.containsKey(ck.name())) {
                continue; // the same value is validated under the key the user wrote
            }
            validate(ck, values.get(ck.name()), problems);
        }
        if (!problems.isEmpty()) {
            throw new ConfigException(problems);
        }

        Map<String, List<ListenSpec>> listeners = new HashMap<>();
        for (ConfKey ck : KongSchema.IMPLEMENTED) {
            if (ck.type() == ValueType.LISTENERS) {
                listeners.put(ck.name(), ListenParser.parse(ck.name(), values.get(ck.name()), ck.allowed()).specs());
            }
        }
        checkCertificatePairs(values, listeners, problems);
        checkUpstreamTls(values, problems);
        if (!problems.isEmpty()) {
            throw new ConfigException(problems);
        }
        CidrSet trusted = CidrSet.parse(Strings.splitList(values.get("trusted_ips")));
        Map<Integer, Integer> portMaps = new HashMap<>();
        for (String m : Strings.splitList(values.get("port_maps"))) {
            int colon = m.indexOf(':');
            portMaps.put(Integer.parseInt(m.substring(colon + 1)), Integer.parseInt(m.substring(0, colon)));
        }
        HttpLimits proxy = limits(values, "nginx_proxy_", "nginx_proxy_");
        HttpLimits admin = limits(values, "nginx_admin_", null);
        return new KongConf(confFileOrNull, values, sources, listeners, List.copyOf(notImplemented),
                List.copyOf(unknown), warnings, nginxDirectives, List.copyOf(nginxWithoutEffect), proxy, admin, trusted, portMaps);
    }

    private static void put(Map<String, String> user, Map<String, Source> sources, String key, String value,
                            Source source) {
        user.remove(key);
        user.put(key, value);
        sources.put(key, source);
    }

    /**
     * {@code KONG_LOG_LEVEL} -> {@code log_level}. Kong reads {@code KONG_} + upper-case key only, so names with
     * lower-case letters are not configuration.
     */
    static String envKey(String name) {
        if (name == null || !name.startsWith("KONG_") || name.length() == 5) {
            return null;
        }
        String suffix = name.substring(5);
        if (!suffix.equals(suffix.toUpperCase(Locale.ROOT))) {
            return null;
        }
        return suffix.toLowerCase(Locale.ROOT);
    }

    // ------------------------------------------------------------------ validation

    /**
     * Kong's pairing rules for the certificates of kinds of listener that have an {@code ssl} address: both lists or
     * neither, of the same length. The files themselves are read (and matched) at start.
     */
    private static void checkCertificatePairs(Map<String, String> values, Map<String, List<ListenSpec>> listeners,
                                              List<String> problems) {
        Map<String, List<String>> kinds = new LinkedHashMap<>();
        kinds.put("", List.of("proxy_listen", "stream_listen"));
        kinds.put("admin_", List.of("admin_listen"));
        kinds.put("status_", List.of("status_listen"));
        for (Map.Entry<String, List<String>> e : kinds.entrySet()) {
            boolean ssl = e.getValue().stream().anyMatch(k -> listeners.getOrDefault(k, List.of()).stream().anyMatch(ListenSpec::ssl));
            if (!ssl) {
                continue;
            }
            String prefix = e.getKey();
            List<String> certs = Strings.splitList(values.get(prefix + "ssl_cert"));
            List<String> keys = Strings.splitList(values.get(prefix + "ssl_cert_key"));
            if (!certs.isEmpty() && keys.isEmpty()) {
                problems.add(prefix + "ssl_cert_key must be specified");
            } else if (certs.isEmpty() && !keys.isEmpty()) {
                problems.add(prefix + "ssl_cert must be specified");
            } else if (certs.size() != keys.size()) {
                problems.add(prefix + "ssl_cert was specified " + certs.size() + " times while " + prefix
                        + "ssl_cert_key was specified " + keys.size() + " times");
            }
        }
    }

    /**
     * {@code client_ssl = on} needs {@code client_ssl_cert} and {@code client_ssl_cert_key} (kong-java generates no
     * client certificate). The files (or inline PEMs) and the {@code lua_ssl_trusted_certificate} entries are read
     * at start by gateway-tls's {@code UpstreamTlsSettings}, which names the key of a bad one.
     */
    private static void checkUpstreamTls(Map<String, String> values, List<String> problems) {
        String on = values.get("client_ssl");
        if (!"on".equals(on) && !"true".equals(on)) {
            return;
        }
        if (values.get("client_ssl_cert") == null) {
            problems.add("client_ssl_cert must be specified when client_ssl is on");
        }
        if (values.get("client_ssl_cert_key") == null) {
            problems.add("client_ssl_cert_key must be specified when client_ssl is on");
        }
    }

    private static void validate(ConfKey ck, String v, List<String> problems) {
        String key = ck.name();
        if (v == null) {
            if (ck.required() || ck.type() == ValueType.LISTENERS) {
                if (ck.type() == ValueType.LISTENERS) {
                    problems.add(ListenParser.usage(key, ck.allowed()) + "; got ''");
                } else {
                    problems.add(key + ": a value is required (expected " + expected(ck) + ")");
                }
            }
            return;
        }
        if (v.startsWith("{vault://")) {
            // Kong resolves vault references at start; kong-java has no vaults yet, so say so instead of
            // failing later with a confusing "not a number".
            problems.add(key + ": vault references are not supported yet, got '" + v + "' (expected a plain value)");
            return;
        }
        switch (ck.type()) {
            case ENUM -> {
                if (key.equals("database") && v.equals("cassandra")) {
                    problems.add("database: 'cassandra' is not supported (Kong dropped Cassandra in 3.4;"
                            + " expected embedded, postgres or off)");
                } else if (!ck.allowed().contains(v)) {
                    problems.add(key + " has an invalid value: '" + v + "' (" + String.join(", ", ck.allowed()) + ")");
                }
            }
            case NUMBER -> checkNumber(ck, v, problems);
            case SIZE -> {
                try {
                    NginxValues.parseSize(v);
                } catch (IllegalArgumentException e) {
                    problems.add(key + ": " + e.getMessage());
                }
            }
            case TIME -> checkTime(key, v, problems);
            case LISTENERS -> problems.addAll(ListenParser.parse(key, v, ck.allowed()).problems());
            default -> { }
        }
        switch (key) {
            case "dns_order" -> {
                for (String item : Strings.splitList(v)) {
                    if (!List.of("LAST", "SRV", "A", "AAAA", "CNAME").contains(item.toUpperCase(Locale.ROOT))) {
                        problems.add("invalid dns_order: " + item + " (expected a comma separated list of LAST, SRV,"
                                + " A, AAAA, CNAME)");
                    }
                }
            }
            case "dns_resolver" -> {
                for (String item : Strings.splitList(v)) {
                    if (!validResolver(item)) {
                        problems.add("dns_resolver must be a comma separated list in the form of IPv4/6 or IPv4/6:port,"
                                + " got '" + item + "'");
                    }
                }
            }
            case "ssl_cipher_suite" -> {
                if (!KongSchema.CIPHER_SUITES.contains(v)) {
                    problems.add("Undefined cipher suite " + v);
                }
            }
            case "trusted_ips" -> {
                for (String item : Strings.splitList(v)) {
                    if (!CidrSet.isValidEntry(item)) {
                        problems.add("trusted_ips must be a comma separated list in the form of IPv4 or IPv6 address"
                                + " or CIDR block or 'unix:', got '" + item + "'");
                    }
                }
            }
            case "headers" -> {
                for (String item : Strings.splitList(v)) {
                    if (!item.equals("off") && !KongSchema.HEADER_TOKENS.contains(item.toLowerCase(Locale.ROOT))) {
                        problems.add("headers: invalid entry '" + item + "' (expected off, server_tokens,"
                                + " latency_tokens, Server, Via, X-Kong-Proxy-Latency, X-Kong-Response-Latency,"
                                + " X-Kong-Admin-Latency, X-Kong-Upstream-Latency, X-Kong-Upstream-Status or"
                                + " X-Kong-Request-Id)");
                    }
                }
            }
            case "headers_upstream" -> {
                for (String item : Strings.splitList(v)) {
                    if (!item.equals("off") && !item.equalsIgnoreCase("x-kong-request-id")) {
                        problems.add("headers_upstream: invalid entry '" + item
                                + "' (expected off or X-Kong-Request-Id)");
                    }
                }
            }
            case "port_maps" -> {
                for (String item : Strings.splitList(v)) {
                    if (!isPortMap(item)) {
                        problems.add("port_maps: invalid port mapping '" + item
                                + "' (expected <host port>:<kong port>, each 1-65535, e.g. 80:8000)");
                    }
                }
            }
            case "proxy_protocol_timeout" -> {
                try {
                    if (NginxValues.parseTimeMillis(v) <= 0) {
                        problems.add("proxy_protocol_timeout must be greater than 0, got '" + v
                                + "' (expected a time, e.g. 5s or 500ms)");
                    }
                } catch (IllegalArgumentException e) {
                    // already reported by the TIME check
                }
            }
            case "proxy_protocol_tlv_headers" -> {
                for (String item : Strings.splitList(v)) {
                    String problem = tlvHeaderProblem(item);
                    if (problem != null) {
                        problems.add("proxy_protocol_tlv_headers: invalid entry '" + item + "': " + problem
                                + " (expected <tlv name>:<header name>, e.g. aws_vpce_id:X-Amzn-Vpce-Id; tlv names: "
                                + String.join(", ", KongSchema.PROXY_TLV_NAMES) + ")");
                    }
                }
            }
            case "upstream_proxy_protocol" -> {
                for (String item : Strings.splitList(v)) {
                    if (!UPSTREAM_PP.matcher(item).matches()) {
                        problems.add("upstream_proxy_protocol: invalid entry '" + item
                                + "' (expected <service name>:v1 or <service name>:v2, e.g. legacy-app:v2)");
                    }
                }
            }
            case "node_id" -> {
                if (!UUID.matcher(v).matches()) {
                    problems.add("node_id must be a valid UUID, got '" + v
                            + "' (expected e.g. 8b7de2ba-0477-4667-a811-8bca46073ca9)");
                }
            }
            case "prefix" -> {
                try {
                    Path.of(v);
                } catch (InvalidPathException e) {
                    problems.add("prefix: invalid path '" + v + "' (" + e.getReason() + "; expected a directory path)");
                }
            }
            case "nginx_worker_processes", "nginx_main_worker_processes" -> {
                long n = NginxValues.parseDigits(v);
                if (!v.equals("auto") && (n < 1 || n > 4096)) {
                    problems.add(key + ": '" + v + "' is not 'auto' or a number of workers from 1 to 4096");
                }
            }
            case "nginx_http_large_client_header_buffers", "nginx_proxy_large_client_header_buffers" -> {
                try {
                    NginxValues.parseBuffers(v);
                } catch (IllegalArgumentException e) {
                    problems.add(key + ": " + e.getMessage());
                }
            }
            default -> { }
        }
    }

    /** Why a {@code proxy_protocol_tlv_headers} item is wrong, or null. */
    private static String tlvHeaderProblem(String item) {
        int colon = item.indexOf(':');
        if (colon <= 0 || colon == item.length() - 1) {
            return "no ':' between a tlv name and a header name";
        }
        String tlv = item.substring(0, colon).strip();
        String header = item.substring(colon + 1).strip();
        if (!KongSchema.PROXY_TLV_NAMES.contains(tlv.toLowerCase(Locale.ROOT))) {
            return "unknown tlv name '" + tlv + "'";
        }
        if (!HEADER_TOKEN.matcher(header).matches()) {
            return "'" + header + "' is not a header name";
        }
        String lower = header.toLowerCase(Locale.ROOT);
        if (GATEWAY_HEADERS.contains(lower) || lower.startsWith("x-forwarded-")) {
            return "'" + header + "' is set by the gateway itself (choose another name)";
        }
        return null;
    }

    private static void checkNumber(ConfKey ck, String v, List<String> problems) {
        String key = ck.name();
        long n;
        try {
            n = Long.parseLong(v.startsWith("+") ? v.substring(1) : v);
        } catch (NumberFormatException e) {
            if (DECIMAL.matcher(v).matches()) {
                problems.add(key + ": '" + v + "' is not an integer");
            } else {
                problems.add(key + ": '" + v + "' is not a number");
            }
            return;
        }
        if (n < ck.min() || n > ck.max()) {
            if (ck.min() == 0 && ck.max() == Integer.MAX_VALUE) {
                problems.add(key + " must be 0 or greater, got '" + v + "'"
                        + (n > ck.max() ? " (at most " + ck.max() + ")" : ""));
            } else {
                problems.add(key + " must be between " + ck.min() + " and " + ck.max() + ", got '" + v + "'");
            }
        }
    }

    private static void checkTime(String key, String v, List<String> problems) {
        List<String> args = Strings.tokens(v);
        int maxArgs = key.endsWith("_keepalive_timeout") ? 2 : 1;
        if (args.size() > maxArgs) {
            problems.add(key + ": '" + v + "' has " + args.size() + " arguments (expected "
                    + (maxArgs == 1 ? "one time value, e.g. 60s" : "a timeout and an optional header timeout, e.g. 75s")
                    + ")");
            return;
        }
        for (String arg : args) {
            try {
                NginxValues.parseTimeMillis(arg);
            } catch (IllegalArgumentException e) {
                problems.add(key + ": " + e.getMessage());
                return;
            }
        }
    }

    /** {@code ip}, {@code ip:port} or {@code [ipv6]:port}. */
    static boolean validResolver(String item) {
        String host = item;
        String port = null;
        if (item.startsWith("[")) {
            int close = item.indexOf(']');
            if (close < 0) {
                return false;
            }
            host = item.substring(1, close);
            String rest = item.substring(close + 1);
            if (!rest.isEmpty()) {
                if (!rest.startsWith(":")) {
                    return false;
                }
                port = rest.substring(1);
            }
        } else if (item.indexOf(':') == item.lastIndexOf(':') && item.indexOf(':') >= 0) {
            host = item.substring(0, item.indexOf(':'));
            port = item.substring(item.indexOf(':') + 1);
        }
        if (port != null && (!port.matches("[0-9]{1,5}") || Integer.parseInt(port) > 65535)) {
            return false;
        }
        try {
            return org.kongjava.config.net.IpAddresses.parseLiteral(host) != null;
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    private static boolean isPortMap(String item) {
        int colon = item.indexOf(':');
        if (colon < 0) {
            return false;
        }
        long host = NginxValues.parseDigits(item.substring(0, colon));
        long kong = NginxValues.parseDigits(item.substring(colon + 1));
        return host >= 1 && host <= 65535 && kong >= 1 && kong <= 65535;
    }

    private static String expected(ConfKey ck) {
        return switch (ck.type()) {
            case ENUM -> "one of " + String.join(", ", ck.allowed());
            case NUMBER -> ck.min() == 0 ? "a number, 0 or greater" : "a number";
            case SIZE -> "a size, e.g. 8k or 10m";
            case TIME -> "a time, e.g. 60s";
            case BOOLEAN, NGX_BOOLEAN -> "on or off";
            case LIST, LISTENERS -> "a comma-separated list";
            case STRING -> ck.name().equals("prefix") ? "a directory path" : "a value";
        };
    }

    // ------------------------------------------------------------------ nginx directive mapping

    /**
     * Limits for one server block: its own directive ({@code serverPrefix}) wins over the http level, then
     * Kong's default (already in {@code values}), then nginx's default. {@code overridePrefix} names the server
     * prefix for the non-body-size directives (null: only the http level applies to them).
     */
    private static HttpLimits limits(Map<String, String> values, String serverPrefix, String overridePrefix) {
        long bodySize = size(pick(values, serverPrefix, "client_max_body_size"), HttpLimits.NGINX_CLIENT_MAX_BODY_SIZE);
        long headerTimeout = time(pick(values, overridePrefix, "client_header_timeout"),
                HttpLimits.NGINX_CLIENT_HEADER_TIMEOUT_MS);
        long bodyTimeout = time(pick(values, overridePrefix, "client_body_timeout"),
                HttpLimits.NGINX_CLIENT_BODY_TIMEOUT_MS);
        long keepaliveTimeout = time(pick(values, overridePrefix, "keepalive_timeout"),
                HttpLimits.NGINX_KEEPALIVE_TIMEOUT_MS);
        String req = pick(values, overridePrefix, "keepalive_requests");
        int keepaliveRequests = req == null ? HttpLimits.NGINX_KEEPALIVE_REQUESTS : Integer.parseInt(req);
        String buf = pick(values, overridePrefix, "large_client_header_buffers");
        NginxValues.Buffers buffers = buf == null
                ? new NginxValues.Buffers(HttpLimits.NGINX_LARGE_HEADER_BUFFER_COUNT,
                        HttpLimits.NGINX_LARGE_HEADER_BUFFER_SIZE)
                : NginxValues.parseBuffers(buf);
        return new HttpLimits(bodySize, headerTimeout, bodyTimeout, keepaliveTimeout, keepaliveRequests,
                buffers.count(), buffers.size());
    }

    private static String pick(Map<String, String> values, String serverPrefix, String directive) {
        if (serverPrefix != null) {
            String v = values.get(serverPrefix + directive);
            if (v != null) {
                return v;
            }
        }
        return values.get("nginx_http_" + directive);
    }

    private static long size(String v, long fallback) {
        return v == null ? fallback : NginxValues.parseSize(v);
    }

    private static long time(String v, long fallback) {
        return v == null ? fallback : NginxValues.parseTimeMillis(Strings.tokens(v).get(0));
    }
}
