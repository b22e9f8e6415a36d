package org.kongjava.core.balance;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.kongjava.config.model.EntitySet;
import org.kongjava.config.model.Healthchecks;
import org.kongjava.config.model.Target;
import org.kongjava.config.model.Upstream;

/** Builds upstreams and targets for balancer tests without going through the schema engine. */
final class Fixtures {
    private static long clock = 1_700_000_000_000L;

    private Fixtures() {
    }

    static Upstream upstream(String name, Upstream.Algorithm alg, Upstream.HashOn on, Healthchecks hc) {
        return new Upstream(UUID.randomUUID(), name, alg, on, Upstream.HashOn.NONE, "x-key", null, "sticky", "/",
                "k", null, "cap", null, 10000, hc, null, null, false, null, 1, 1);
    }

    static Upstream upstream(String name, Upstream.Algorithm alg) {
        return upstream(name, alg, alg == Upstream.Algorithm.CONSISTENT_HASHING ? Upstream.HashOn.HEADER : Upstream.HashOn.NONE,
                Healthchecks.DEFAULTS);
    }

    static Target target(Upstream u, String hostPort, int weight) {
        return new Target(UUID.randomUUID(), u.id(), hostPort, weight, null, clock++, clock);
    }

    static EntitySet set(Upstream u, List<Target> ts) {
        Map<UUID, Target> m = new LinkedHashMap<>();
        ts.forEach(t -> m.put(t.id(), t));
        return new EntitySet(1, Map.of(), Map.of(), Map.of(), Map.of(), Map.of(u.id(), u), m);
    }

    /** Passive checks: unhealthy after {@code fails} TCP failures / timeouts / HTTP failures, healthy after {@code ok} successes. */
    static Healthchecks passive(int fails, int ok) {
        Healthchecks d = Healthchecks.DEFAULTS;
        return new Healthchecks(d.active(), new Healthchecks.Passive("http",
                new Healthchecks.PassiveHealthy(d.passive().healthy().httpStatuses(), ok),
                new Healthchecks.PassiveUnhealthy(d.passive().unhealthy().httpStatuses(), fails, fails, fails)), 0);
    }
}
