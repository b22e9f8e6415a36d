package org.kongjava.core.router;

/**
 * Kong's HTTP router (traditional_compatible semantics): a pure function from request facts to the
 * matching route. Implementations are immutable and safe to call from every event loop at once.
 */
public interface HttpRouter {

    /** The best matching route by Kong's priority rules, or null when none matches. */
    RouteMatch select(RequestFacts facts);
}
