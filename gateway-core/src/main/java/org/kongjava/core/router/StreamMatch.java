package org.kongjava.core.router;

import org.kongjava.config.model.Route;
import org.kongjava.config.model.Service;

/**
 * The stream router's answer for a connection that matched a route.
 *
 * @param route   the matched route
 * @param service its service, or null for a route without one (the connection is closed)
 */
public record StreamMatch(Route route, Service service) {
}
