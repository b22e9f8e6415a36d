package org.kongjava.core.balance;

import org.kongjava.config.model.Healthchecks;

/**
 * The health state machine of one address (lua-resty-healthcheck's, which Kong uses). Four internal states:
 * HEALTHY and MOSTLY_HEALTHY count as healthy, UNHEALTHY and MOSTLY_UNHEALTHY as unhealthy. A failure counter
 * reaching its threshold makes the address unhealthy; {@code successes} consecutive successes make it healthy.
 * A success resets the failure counters, a failure resets the success counter. A threshold of 0 disables that
 * criterion entirely (no counting at all: with passive {@code successes = 0} a passively failed address only
 * comes back through active checks or the Admin API, as in Kong).
 * <p>
 * Thread-safety: reports come from any event loop; every method is {@code synchronized} on this small object
 * (a few field updates, never I/O). The hot path reads only {@link #isHealthy()}, a volatile field.
 */
public final class TargetHealth {

    /** Which thresholds a report is counted against. */
    public enum Source { ACTIVE, PASSIVE }

    /** What failed. */
    public enum Failure { TCP, TIMEOUT, HTTP }

    enum State { HEALTHY, MOSTLY_HEALTHY, MOSTLY_UNHEALTHY, UNHEALTHY }

    /** Called (outside the lock) when the healthy/unhealthy answer flips. */
    interface Listener {
        void changed(TargetHealth h, boolean healthy);
    }

    private volatile boolean healthy = true;
    private State state = State.HEALTHY;
    private int successes;
    private int tcpFailures;
    private int timeouts;
    private int httpFailures;
    private volatile Healthchecks config;
    private final Listener listener;

    TargetHealth(Healthchecks config, Listener listener) {
        this.config = config;
        this.listener = listener;
    }

    void configure(Healthchecks c) {
        this.config = c;
    }

    /** Whether the balancer may use the address. */
    public boolean isHealthy() {
        return healthy;
    }

    synchronized State state() {
        return state;
    }

    /** Classifies an HTTP status by the source's lists: a success, a failure, or neither. */
    public void reportHttpStatus(Source src, int status) {
        Healthchecks c = config;
        if (src == Source.ACTIVE) {
            if (c.active().unhealthy().httpStatuses().contains(status)) {
                reportFailure(src, Failure.HTTP);
            } else if (c.active().healthy().httpStatuses().contains(status)) {
                reportSuccess(src);
            }
        } else {
            if (c.passive().unhealthy().httpStatuses().contains(status)) {
                reportFailure(src, Failure.HTTP);
            } else if (c.passive().healthy().httpStatuses().contains(status)) {
                reportSuccess(src);
            }
        }
    }

    public void reportSuccess(Source src) {
        Healthchecks c = config;
        int limit = src == Source.ACTIVE ? c.active().healthy().successes() : c.passive().healthy().successes();
        if (limit == 0) {
            return;
        }
        Boolean flipped = null;
        synchronized (this) {
            if (state == State.HEALTHY) {
                return;
            }
            successes++;
            tcpFailures = timeouts = httpFailures = 0;
            if (successes >= limit) {
                flipped = set(State.HEALTHY);
            } else if (state == State.UNHEALTHY) {
                state = State.MOSTLY_UNHEALTHY;
            }
        }
        notifyIf(flipped);
    }

    public void reportFailure(Source src, Failure kind) {
        Healthchecks c = config;
        int limit;
        if (src == Source.ACTIVE) {
            Healthchecks.ActiveUnhealthy u = c.active().unhealthy();
            limit = kind == Failure.TCP ? u.tcpFailures() : kind == Failure.TIMEOUT ? u.timeouts() : u.httpFailures();
        } else {
            Healthchecks.PassiveUnhealthy u = c.passive().unhealthy();
            limit = kind == Failure.TCP ? u.tcpFailures() : kind == Failure.TIMEOUT ? u.timeouts() : u.httpFailures();
        }
        if (limit == 0) {
            return;
        }
        Boolean flipped = null;
        synchronized (this) {
            if (state == State.UNHEALTHY) {
                return;
            }
            successes = 0;
            int n = switch (kind) {
                case TCP -> ++tcpFailures;
                case TIMEOUT -> ++timeouts;
                case HTTP -> ++httpFailures;
            };
            if (n >= limit) {
                flipped = set(State.UNHEALTHY);
            } else if (state == State.HEALTHY) {
                state = State.MOSTLY_HEALTHY;
            }
        }
        notifyIf(flipped);
    }

    /** The Admin API override ({@code PUT .../healthy|unhealthy}): sets the state and clears the counters. */
    public void force(boolean toHealthy) {
        Boolean flipped;
        synchronized (this) {
            flipped = set(toHealthy ? State.HEALTHY : State.UNHEALTHY);
        }
        notifyIf(flipped);
    }

    /** Sets a final state, resets counters; returns the new answer when it flipped, else null. */
    private Boolean set(State s) {
        state = s;
        successes = tcpFailures = timeouts = httpFailures = 0;
        boolean now = s == State.HEALTHY || s == State.MOSTLY_HEALTHY;
        if (now != healthy) {
            healthy = now;
            return now;
        }
        return null;
    }

    private void notifyIf(Boolean flipped) {
        if (flipped != null && listener != null) {
            listener.changed(this, flipped);
        }
    }
}
