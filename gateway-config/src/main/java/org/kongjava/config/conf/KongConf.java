package org.kongjava.config.conf;

import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.OptionalInt;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.kongjava.config.net.CidrSet;

/**
 * The effective, validated kong.conf: Kong's defaults, overlaid by the file, then {@code KONG_*} environment
 * variables, then command-line overrides. Immutable; built by {@link KongConfLoader}.
 *
 * <p>Generic accessors take a key name and accept every key Kong knows (and any {@code nginx_<ns>_*} key); an
 * unknown key name is a programming error ({@link IllegalArgumentException}). Values of implemented keys were
 * validated at load time, so their accessors do not fail on bad input.
 */
public final class KongConf {

    /** Where a key's value came from. */
    public enum Source { DEFAULT, FILE, ENV, OVERRIDE }

    static final String MASK = "******";

    private final Path confFile;
    private final Map<String, String> values;            // effective raw values, null = unset
    private final Map<String, Source> sources;           // user-set keys only
    private final Map<String, List<ListenSpec>> listeners;
    private final List<String> notImplemented;
    private final List<String> unknownKeys;
    private final List<String> warnings;
    private final Map<String, String> nginxDirectives;
    private final List<String> nginxWithoutEffect;
    private final HttpLimits httpLimits;
    private final HttpLimits adminHttpLimits;
    private final CidrSet trustedIps;
    private final Map<Integer, Integer> portMaps;

    KongConf(Path confFile, Map<String, String> values, Map<String, Source> sources,
             Map<String, List<ListenSpec>> listeners, List<String> notImplemented, List<String> unknownKeys,
             List<String> warnings, Map<String, String> nginxDirectives, List<String> nginxWithoutEffect,
             HttpLimits httpLimits, HttpLimits adminHttpLimits, CidrSet trustedIps, Map<Integer, Integer> portMaps) {
        this.confFile = confFile;
        this.values = Collections.unmodifiableMap(new LinkedHashMap<>(values));
        this.sources = Map.copyOf(sources);
        this.listeners = Map.copyOf(listeners);
        this.notImplemented = List.copyOf(notImplemented);
        this.unknownKeys = List.copyOf(unknownKeys);
        this.warnings = List.copyOf(warnings);
        this.nginxDirectives = Collections.unmodifiableMap(new TreeMap<>(nginxDirectives));
        this.nginxWithoutEffect = List.copyOf(nginxWithoutEffect);
        this.httpLimits = httpLimits;
        this.adminHttpLimits = adminHttpLimits;
        this.trustedIps = trustedIps;
        this.portMaps = Map.copyOf(portMaps);
    }

    /** The kong.conf file that was read, or null when only defaults, environment and overrides were used. */
    public Path confFile() {
        return confFile;
    }

    // ---------------------------------------------------------------- generic accessors

    /** The effective value as text (trimmed), or null when unset. */
    public String string(String key) {
        requireKnown(key);
        return values.get(key);
    }

    /**
     * Kong's boolean rule: {@code on} or {@code true} is true, anything else (unset included) false.
     *
     * @throws IllegalArgumentException for an implemented key that is not a boolean
     */
    public boolean bool(String key) {
        ConfKey k = requireKnown(key);
        if (k != null && k.implemented() && k.type() != ValueType.BOOLEAN && k.type() != ValueType.NGX_BOOLEAN) {
            throw new IllegalArgumentException(key + " is a " + k.type() + " key, not a boolean");
        }
        String v = values.get(key);
        if (k != null && k.type() == ValueType.NGX_BOOLEAN) {
            return "on".equals(v);
        }
        return "on".equals(v) || "true".equals(v);
    }

    /**
     * The value as an int.
     *
     * @throws NoSuchElementException when unset
     * @throws IllegalArgumentException when the value is not an integer (only possible for keys not implemented)
     */
    public int integer(String key) {
        String v = required(key);
        try {
            return Integer.parseInt(v);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(key + ": '" + v + "' is not an integer", e);
        }
    }

    /** Bytes for an nginx size value ({@code 0}, {@code 512}, {@code 8k}, {@code 10m}, {@code 1g}). */
    public long bytes(String key) {
        String v = required(key);
        try {
            return NginxValues.parseSize(v);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(key + ": " + e.getMessage(), e);
        }
    }

    /** Whole seconds (rounded down) for an nginx time value; a plain number means seconds. */
    public long seconds(String key) {
        return millis(key) / 1000;
    }

    /**
     * Milliseconds for an nginx time value ({@code 60s}, {@code 1m}, {@code 500ms}; a plain number = seconds).
     * Of a two-argument value ({@code keepalive_timeout 75s 60s}) the first argument counts.
     */
    public long millis(String key) {
        String v = required(key);
        try {
            // keepalive_timeout may carry a second (header) timeout argument; the first is the one that matters.
            return NginxValues.parseTimeMillis(Strings.tokens(v).get(0));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(key + ": " + e.getMessage(), e);
        }
    }

    /** Kong's list rule: comma-separated, items trimmed, empty items dropped; empty when unset. */
    public List<String> list(String key) {
        requireKnown(key);
        return List.copyOf(Strings.splitList(values.get(key)));
    }

    /**
     * The parsed addresses of {@code proxy_listen}, {@code admin_listen}, {@code status_listen} or
     * {@code stream_listen}; empty for {@code off}.
     */
    public List<ListenSpec> listeners(String key) {
        List<ListenSpec> specs = listeners.get(key);
        if (specs == null) {
            throw new IllegalArgumentException(key + " is not a listen key the gateway implements (expected one of "
                    + String.join(", ", new TreeSet<>(listeners.keySet())) + ")");
        }
        return specs;
    }

    /** True when neither the file, the environment nor an override set the key (or its alias). */
    public boolean isDefault(String key) {
        return source(key) == Source.DEFAULT;
    }

    /** Where the effective value of {@code key} (or of its alias) came from. */
    public Source source(String key) {
        requireKnown(key);
        Source s = sources.get(key);
        if (s != null) {
            return s;
        }
        String partner = aliasPartner(key);
        return partner == null ? Source.DEFAULT : sources.getOrDefault(partner, Source.DEFAULT);
    }

    /** Every known key, and every nginx directive that was set, to its effective raw value ("" when unset). */
    public Map<String, String> effective() {
        Map<String, String> out = new LinkedHashMap<>();
        values.forEach((k, v) -> out.put(k, v == null ? "" : v));
        return Collections.unmodifiableMap(out);
    }

    /**
     * The effective values that are set, typed (Boolean, Long, List of String, String), secrets replaced by
     * {@code ******}: for logs and a {@code config} display. Sorted by key.
     */
    public Map<String, Object> forDisplay() {
        Map<String, Object> out = new TreeMap<>();
        values.forEach((k, v) -> {
            if (v == null) {
                return;
            }
            if (KongSchema.isSensitive(k)) {
                out.put(k, MASK);
                return;
            }
            ConfKey ck = KongSchema.get(k);
            ValueType type = ck == null || !ck.implemented() ? ValueType.STRING : ck.type();
            out.put(k, switch (type) {
                case BOOLEAN -> "on".equals(v) || "true".equals(v);
                case NUMBER -> Long.parseLong(v);
                case LIST, LISTENERS -> List.copyOf(Strings.splitList(v));
                default -> v;
            });
        });
        return Collections.unmodifiableMap(out);
    }

    /** Keys Kong knows that the user set but the gateway does not act on (nginx directives excluded). Sorted. */
    public List<String> notImplemented() {
        return notImplemented;
    }

    /** Keys the user set (file, {@code KONG_*} environment, overrides) that Kong does not know. Sorted. */
    public List<String> unknownKeys() {
        return unknownKeys;
    }

    /** Lines of the file that were ignored (no {@code =}, no key), with file name and line number. */
    public List<String> warnings() {
        return warnings;
    }

    /** Every {@code nginx_<ns>_<directive>} key the user set, with its value ("" when set empty). Sorted. */
    public Map<String, String> nginxDirectives() {
        return nginxDirectives;
    }

    /** The nginx directives the user set that the gateway has no equivalent for. Sorted. */
    public List<String> nginxWithoutEffect() {
        return nginxWithoutEffect;
    }

    // ---------------------------------------------------------------- typed accessors

    /** {@code prefix} as an absolute, normalized path. */
    public Path prefix() {
        return Path.of(values.get("prefix")).toAbsolutePath().normalize();
    }

    /** Client limits of the proxy server ({@code nginx_proxy_*} over {@code nginx_http_*} over defaults). */
    public HttpLimits httpLimits() {
        return httpLimits;
    }

    /** Client limits of the Admin API server ({@code nginx_admin_client_max_body_size}, else http level). */
    public HttpLimits adminHttpLimits() {
        return adminHttpLimits;
    }

    /** Admin API request body limit in bytes (Kong default 10m); 0 = unlimited. */
    public long adminClientMaxBodySize() {
        return adminHttpLimits.clientMaxBodySize();
    }

    /** {@code trusted_ips}: empty (trust nobody) by default. */
    public CidrSet trustedIps() {
        return trustedIps;
    }

    /** {@code port_maps} as Kong port to host port. */
    public Map<Integer, Integer> portMaps() {
        return portMaps;
    }

    /** Worker count from {@code nginx_main_worker_processes}/{@code nginx_worker_processes}; empty = auto. */
    public OptionalInt workerProcesses() {
        String v = values.get("nginx_main_worker_processes");
        return v == null || v.equals("auto") ? OptionalInt.empty() : OptionalInt.of(Integer.parseInt(v));
    }

    /**
     * Response headers enabled by {@code headers}, by canonical name ({@code Server}, {@code Via},
     * {@code X-Kong-Proxy-Latency}, ...): {@code server_tokens} and {@code latency_tokens} expanded; empty when
     * the first item is {@code off} (a later {@code off} is ignored, as in Kong).
     */
    public Set<String> responseHeaders() {
        List<String> items = list("headers");
        Set<String> out = new LinkedHashSet<>();
        if (items.isEmpty() || items.get(0).equals("off")) {
            return Set.of();
        }
        for (String item : items) {
            String t = item.toLowerCase(Locale.ROOT);
            switch (t) {
                case "off" -> { }
                case "server_tokens" -> {
                    out.add("Server");
                    out.add("Via");
                }
                case "latency_tokens" -> {
                    out.add("X-Kong-Proxy-Latency");
                    out.add("X-Kong-Response-Latency");
                    out.add("X-Kong-Admin-Latency");
                    out.add("X-Kong-Upstream-Latency");
                }
                default -> out.add(canonicalHeader(t));
            }
        }
        return Collections.unmodifiableSet(out);
    }

    /**
     * {@code proxy_protocol_tlv_headers} (kong-java): PROXY v2 TLV name (lower case, e.g. {@code aws_vpce_id}) to
     * the request header that carries it upstream, in written order; empty when unset.
     */
    public Map<String, String> proxyProtocolTlvHeaders() {
        Map<String, String> out = new LinkedHashMap<>();
        for (String item : list("proxy_protocol_tlv_headers")) {
            int colon = item.indexOf(':');
            out.put(item.substring(0, colon).strip().toLowerCase(Locale.ROOT), item.substring(colon + 1).strip());
        }
        return Collections.unmodifiableMap(out);
    }

    /**
     * {@code upstream_proxy_protocol} (kong-java): service name to the PROXY protocol version (1 or 2) the gateway
     * sends on its connections to that service's upstream; empty when unset.
     */
    public Map<String, Integer> upstreamProxyProtocol() {
        Map<String, Integer> out = new LinkedHashMap<>();
        for (String item : list("upstream_proxy_protocol")) {
            int colon = item.lastIndexOf(':');
            out.put(item.substring(0, colon), item.endsWith("v1") ? 1 : 2);
        }
        return Collections.unmodifiableMap(out);
    }

    /** True when {@code headers_upstream} asks for {@code X-Kong-Request-Id} on upstream requests. */
    public boolean upstreamRequestIdHeader() {
        List<String> items = list("headers_upstream");
        return !items.isEmpty() && !items.get(0).equals("off")
                && items.stream().anyMatch(i -> i.equalsIgnoreCase("x-kong-request-id"));
    }

    @Override
    public String toString() {
        return "KongConf" + forDisplay();
    }

    // ---------------------------------------------------------------- helpers

    private static String canonicalHeader(String lower) {
        return switch (lower) {
            case "via" -> "Via";
            case "server" -> "Server";
            case "x-kong-proxy-latency" -> "X-Kong-Proxy-Latency";
            case "x-kong-response-latency" -> "X-Kong-Response-Latency";
            case "x-kong-admin-latency" -> "X-Kong-Admin-Latency";
            case "x-kong-upstream-latency" -> "X-Kong-Upstream-Latency";
            case "x-kong-upstream-status" -> "X-Kong-Upstream-Status";
            case "x-kong-request-id" -> "X-Kong-Request-Id";
            default -> lower;
        };
    }

    private String required(String key) {
        requireKnown(key);
        String v = values.get(key);
        if (v == null) {
            throw new NoSuchElementException(key + " is not set");
        }
        return v;
    }

    /** Returns the schema row (null for a dynamic key); throws for a key Kong does not know. */
    private ConfKey requireKnown(String key) {
        ConfKey k = KongSchema.get(key);
        if (k == null && !KongSchema.isDynamic(key)) {
            throw new IllegalArgumentException("unknown kong.conf key: '" + key + "'");
        }
        return k;
    }

    static String aliasPartner(String key) {
        ConfKey k = KongSchema.get(key);
        if (k != null && k.aliasOf() != null) {
            return k.aliasOf();
        }
        for (ConfKey c : KongSchema.IMPLEMENTED) {
            if (key.equals(c.aliasOf())) {
                return c.name();
            }
        }
        return null;
    }
}
