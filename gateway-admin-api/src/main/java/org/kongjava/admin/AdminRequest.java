package org.kongjava.admin;

import java.util.List;
import java.util.Map;

/**
 * One request, copied out of Netty's buffers on the event loop so that it may outlive them.
 *
 * @param method   upper-case method (HEAD is kept; endpoints treat it as GET)
 * @param segments decoded path segments; a trailing slash adds none
 * @param query    decoded query arguments
 * @param args     body arguments (JSON object or decoded form), empty when the method has no body
 * @param origin   the request's {@code Origin} header, or null
 */
record AdminRequest(String method, List<String> segments, Map<String, List<String>> query, Map<String, Object> args,
                    String origin, String requestHeaders) {

    /** The first value of a query argument, or null. */
    String queryArg(String name) {
        List<String> v = query.get(name);
        return v == null || v.isEmpty() ? null : v.get(0);
    }

    boolean hasQueryArg(String name) {
        return query.containsKey(name);
    }
}
