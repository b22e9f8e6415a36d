package org.kongjava.proxy.http;

import java.net.InetAddress;
import java.util.HashSet;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.function.Predicate;
import org.kongjava.config.conf.KongConf;

/**
 * The kong.conf settings that shape the headers the proxy adds and the error responses it writes.
 *
 * @param enabledHeaders    lower-case header names Kong may inject downstream, after expanding
 *                          {@code server_tokens} ({@code server}, {@code via}) and {@code latency_tokens}
 *                          (the four latency headers); see {@link #enabledFrom(KongConf)}. Empty = {@code headers = off}.
 * @param requestIdUpstream {@code headers_upstream} contains {@code X-Kong-Request-Id}
 * @param errorDefaultType  {@code error_default_type}: {@code text/plain}, {@code text/html},
 *                          {@code application/json} or {@code application/xml}
 * @param trustedIps        {@code trusted_ips} as a predicate (nobody: {@code a -> false})
 * @param realIpHeader      {@code real_ip_header}, e.g. {@code X-Real-IP}, {@code X-Forwarded-For}, {@code proxy_protocol}
 * @param realIpRecursive   {@code real_ip_recursive}
 * @param portMaps          {@code port_maps} as Kong listening port -> host port (the port reported in
 *                          {@code X-Forwarded-Port}); {@code port_maps = 80:8000} is {@code Map.of(8000, 80)}
 * @param allowDebugHeader  {@code allow_debug_header}
 * @param kongVersion       the version Kong reports, e.g. {@code 3.10.0} (Server: kong/3.10.0)
 */
public record HeaderSettings(Set<String> enabledHeaders, boolean requestIdUpstream, String errorDefaultType,
                             Predicate<InetAddress> trustedIps, String realIpHeader, boolean realIpRecursive,
                             Map<Integer, Integer> portMaps, boolean allowDebugHeader, String kongVersion) {

    /** Header names, lower case, as used in {@link #enabledHeaders()}. */
    public static final String SERVER = "server";
    public static final String VIA = "via";
    public static final String PROXY_LATENCY = "x-kong-proxy-latency";
    public static final String RESPONSE_LATENCY = "x-kong-response-latency";
    public static final String UPSTREAM_LATENCY = "x-kong-upstream-latency";
    public static final String ADMIN_LATENCY = "x-kong-admin-latency";
    public static final String UPSTREAM_STATUS = "x-kong-upstream-status";
    public static final String REQUEST_ID = "x-kong-request-id";

    private static final Set<String> SINGLE_TOKENS = Set.of(SERVER, VIA, PROXY_LATENCY, RESPONSE_LATENCY,
            UPSTREAM_LATENCY, ADMIN_LATENCY, UPSTREAM_STATUS, REQUEST_ID);
    private static final Set<String> ERROR_TYPES = Set.of("text/plain", "text/html", "application/json",
            "application/xml");

    public HeaderSettings {
        enabledHeaders = Set.copyOf(Objects.requireNonNull(enabledHeaders, "enabledHeaders"));
        for (String h : enabledHeaders) {
            if (!SINGLE_TOKENS.contains(h)) {
                throw new IllegalArgumentException("enabledHeaders: '" + h + "' (expected lower-case header names, "
                        + "one of " + SINGLE_TOKENS + ")");
            }
        }
        Objects.requireNonNull(errorDefaultType, "errorDefaultType");
        if (!ERROR_TYPES.contains(errorDefaultType)) {
            throw new IllegalArgumentException("errorDefaultType: '" + errorDefaultType + "' (expected one of "
                    + "text/plain, text/html, application/json, application/xml)");
        }
        Objects.requireNonNull(trustedIps, "trustedIps");
        Objects.requireNonNull(realIpHeader, "realIpHeader");
        if (realIpHeader.isBlank()) {
            throw new IllegalArgumentException("realIpHeader: '' (expected a header name or proxy_protocol)");
        }
        portMaps = Map.copyOf(Objects.requireNonNull(portMaps, "portMaps"));
        Objects.requireNonNull(kongVersion, "kongVersion");
    }

    /**
     * Kong's defaults: {@code headers = server_tokens, latency_tokens, X-Kong-Request-Id},
     * {@code headers_upstream = X-Kong-Request-Id}, {@code error_default_type = text/plain}, no
     * {@code trusted_ips}, {@code real_ip_header = X-Real-IP}, {@code real_ip_recursive = off}, no
     * {@code port_maps}, {@code allow_debug_header = off}, version 3.10.0.
     */
    public static HeaderSettings kongDefaults() {
        return new HeaderSettings(Set.of(SERVER, VIA, PROXY_LATENCY, RESPONSE_LATENCY, UPSTREAM_LATENCY,
                ADMIN_LATENCY, REQUEST_ID),
                true, "text/plain", a -> false, "X-Real-IP", false, Map.of(), false, "3.10.0");
    }

    /**
     * The lower-case header names for {@link #enabledHeaders()} from kong.conf's {@code headers} key. The
     * expansion ({@code off}, {@code server_tokens}, {@code latency_tokens}) is {@link KongConf#responseHeaders()}'s;
     * this only lower-cases its canonical names.
     */
    public static Set<String> enabledFrom(KongConf conf) {
        Set<String> out = new HashSet<>();
        for (String h : conf.responseHeaders()) {
            out.add(h.toLowerCase(Locale.ROOT));
        }
        return Set.copyOf(out);
    }

    /** Whether Kong injects the header (lower-case name, e.g. {@link #VIA}). */
    public boolean enabled(String lowerCaseName) {
        return enabledHeaders.contains(lowerCaseName);
    }

    /** {@code kong/<version>}, the Server and Via product token. */
    public String serverToken() {
        return "kong/" + kongVersion;
    }

    /** The port Kong reports for a listening port ({@code port_maps}, else the port itself). */
    public int mappedPort(int listenerPort) {
        Integer mapped = portMaps.get(listenerPort);
        return mapped == null ? listenerPort : mapped;
    }
}
