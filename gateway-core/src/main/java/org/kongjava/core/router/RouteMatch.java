package org.kongjava.core.router;

import java.util.Map;
import org.kongjava.config.model.Route;
import org.kongjava.config.model.Service;

/**
 * The router's answer for a request that matched a route.
 *
 * @param route          the matched route
 * @param service        its service, or null for a route without one (the proxy answers 503)
 * @param normalizedPath the request path after Kong's normalization
 * @param strippedPrefix the part of the path removed when {@code strip_path} is on (prefix, or the
 *                       whole regex match); null when nothing is stripped
 * @param upstreamPath   the path to send upstream (service path joined per path_handling, percent-escaped,
 *                       without the query)
 * @param captures       regex captures: "0" = whole match, "1".."n" positional, plus named groups; empty for prefix matches
 */
public record RouteMatch(Route route, Service service, String normalizedPath, String strippedPrefix,
                         String upstreamPath, Map<String, String> captures) {
}
