package org.kongjava.core.balance;

import java.util.Map;
import org.kongjava.core.router.HeaderLookup;

/**
 * What a consistent-hashing balancer may hash on, taken from one request. Pure data.
 *
 * @param clientIp    the client address as the gateway determined it (realip rules applied)
 * @param headers     request headers (also the source of {@code Cookie})
 * @param path        the normalized request path (nginx {@code $uri}), without the query
 * @param query       the raw query string without {@code ?}, or null
 * @param uriCaptures named captures of the matched route's regex path; empty when none
 * @param consumerId  the authenticated consumer's (else credential's) id, or null
 */
public record BalanceFacts(String clientIp, HeaderLookup headers, String path, String query,
                           Map<String, String> uriCaptures, String consumerId) {

    public BalanceFacts {
        headers = headers == null ? HeaderLookup.NONE : headers;
        uriCaptures = uriCaptures == null ? Map.of() : uriCaptures;
    }

    /** Facts with only a client address; handy in tests and for stream connections. */
    public static BalanceFacts ofClient(String clientIp) {
        return new BalanceFacts(clientIp, HeaderLookup.NONE, "/", null, Map.of(), null);
    }
}
