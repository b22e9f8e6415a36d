package org.kongjava.proxy.http;

import java.net.InetAddress;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;

/**
 * The kong.conf settings that shape the headers the proxy adds and the errors it writes.
 */
public record HeaderSettings(Set<String> enabledHeaders, boolean requestIdUpstream, String errorDefaultType,
                             Predicate<InetAddress> trustedIps, String realIpHeader, boolean realIpRecursive,
                             Map<Integer, Integer> portMaps, boolean allowDebugHeader, String kongVersion) {

    /** Kong's defaults. */
    public static HeaderSettings kongDefaults() {
        throw new UnsupportedOperationException("not yet");
    }

    /** Expands the {@code headers} kong.conf value into lower-case header names. */
    public static Set<String> expandTokens(List<String> headersConfValue) {
        throw new UnsupportedOperationException("not yet");
    }
}
