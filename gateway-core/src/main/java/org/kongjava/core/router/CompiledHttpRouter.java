package org.kongjava.core.router;

import org.kongjava.config.model.EntitySet;

/** Placeholder being replaced by the indexed router implementation (same session). */
public final class CompiledHttpRouter implements HttpRouter {
    public static CompiledHttpRouter compile(EntitySet entities) {
        return new CompiledHttpRouter();
    }

    @Override
    public RouteMatch select(RequestFacts facts) {
        return null;
    }
}
