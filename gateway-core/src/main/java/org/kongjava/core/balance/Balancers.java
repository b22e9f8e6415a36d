package org.kongjava.core.balance;

import java.util.Map;

/**
 * The balancers of one routing snapshot, by upstream name (a service whose {@code host} equals an upstream's
 * name is balanced by it; Kong matches names exactly). Immutable.
 */
public final class Balancers {
    public static final Balancers EMPTY = new Balancers(Map.of(), null);

    private final Map<String, Balancer> byName;
    private final BalancerRegistry registry;

    Balancers(Map<String, Balancer> byName, BalancerRegistry registry) {
        this.byName = Map.copyOf(byName);
        this.registry = registry;
    }

    /** The node's balancer state these were compiled from (health reports, overrides); null for {@link #EMPTY}. */
    public BalancerRegistry registry() {
        return registry;
    }

    /** The balancer for a service host, or null when the host names no upstream (resolve it with DNS). */
    public Balancer forHost(String host) {
        return host == null ? null : byName.get(host);
    }

    public Map<String, Balancer> all() {
        return byName;
    }
}
