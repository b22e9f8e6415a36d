package org.kongjava.proxy.http;

import java.net.InetAddress;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.function.Predicate;

/**
 * The kong.conf settings that shape the headers the proxy adds and the error responses it writes.
 *
 * @param enabledHeaders    lower-case header names Kong may inject downstream, after expanding
 *                          {@code server_tokens} ({@code server}, {@code via}) and {@code latency_tokens}
 *                          (the four latency headers); see {@link #expandTokens(List)}. Empty = {@code headers = off}.
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
                throw new IllegalArgumentException("enabledHeaders: '" + h + "' (expected lower-case header names from "
                        + "expandTokens, one of " + SINGLE_TOKENS + ")");
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
        return new HeaderSettings(expandTokens(List.of("server_tokens", "latency_tokens", "X-Kong-Request-Id")),
                true, "text/plain", a -> false, "X-Real-IP", false, Map.of(), false, "3.10.0");
    }

    /**
     * Expands the {@code headers} kong.conf list (already split on commas and trimmed) into the lower-case
     * header names Kong injects. Tokens are case-insensitive; {@code off} (lower case, as in Kong) disables
     * everything but only as the first item, and is ignored elsewhere.
     *
     * @throws IllegalArgumentException {@code headers: invalid entry '<x>'} for an unknown token
     */
    public static Set<String> expandTokens(List<String> headersConfValue) {
        Objects.requireNonNull(headersConfValue, "headersConfValue");
        Set<String> out = new HashSet<>();
        for (String token : headersConfValue) {
            if ("off".equals(token)) {
                continue;
            }
            String t = token == null ? "" : token.toLowerCase(Locale.ROOT);
            switch (t) {
                case "server_tokens" -> {
                    out.add(SERVER);
                    out.add(VIA);
                }
                case "latency_tokens" -> {
                    out.add(PROXY_LATENCY);
                    out.add(RESPONSE_LATENCY);
                    out.add(UPSTREAM_LATENCY);
                    out.add(ADMIN_LATENCY);
                }
                default -> {
                    if (!SINGLE_TOKENS.contains(t)) {
                        throw new IllegalArgumentException("headers: invalid entry '" + token + "'");
                    }
                    out.add(t);
                }
            }
        }
        // Kong validates every token first, then ignores the whole list when it starts with "off".
        if (!headersConfValue.isEmpty() && "off".equals(headersConfValue.get(0))) {
            return Set.of();
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
