package org.kongjava.core.router;

/**
 * What the HTTP router looks at, taken from one request. Pure data: no channel, no clock.
 *
 * @param method       request method, e.g. {@code GET}
 * @param host         the Host header as sent (may carry {@code :port}); null when absent
 * @param rawPath      the request path as sent, without the query; the router normalizes it
 * @param headers      request headers
 * @param sni          TLS SNI of the client connection; null on plain HTTP or when the client sent none
 * @param https        whether the client connection is TLS
 * @param listenerPort the local port the request arrived on (after {@code port_maps})
 */
public record RequestFacts(String method, String host, String rawPath, HeaderLookup headers, String sni,
                           boolean https, int listenerPort) {

    /** Facts for a plain-HTTP request with no headers beyond Host; handy in tests. */
    public static RequestFacts http(String method, String host, String rawPath) {
        return new RequestFacts(method, host, rawPath, HeaderLookup.NONE, null, false, 80);
    }
}
