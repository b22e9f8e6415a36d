package org.kongjava.core.balance;

import java.util.ArrayList;
import java.util.List;

/**
 * Balancing of one request, over its tries. Not thread-safe: it belongs to one exchange on one event loop.
 * <pre>
 *   Pick pick = balancer.start(facts);
 *   Peer p = pick.next();            // null: answer 503 "failure to get a peer from the ring-balancer"
 *   ... connect fails: pick.failed(TargetHealth.Failure.TCP); p = pick.next();   // a retry
 *   ... response head: pick.responded(status);
 *   ... exchange over: pick.release(rttNanos);
 * </pre>
 * Every peer {@link #next()} returns counts as in flight (least-connections) until {@link #release}, the next
 * {@code next()}, or {@link #failed}; each of those ends it once.
 */
public final class Pick {
    private final UpstreamState state;
    private final String hashKey;
    private final String setCookie;
    private final List<Peer> tried = new ArrayList<>(2);
    private Peer current;
    private boolean released = true;
    // Consistent hashing: the continuum position to continue from on a retry.
    int position = -1;

    Pick(UpstreamState state, String hashKey, String setCookie) {
        this.state = state;
        this.hashKey = hashKey;
        this.setCookie = setCookie;
    }

    /** The next peer to try, or null when the balancer is unhealthy or no address is available. */
    public Peer next() {
        release(-1);
        Peer p = state.choose(this);
        if (p != null) {
            current = p;
            released = false;
            tried.add(p);
            p.acquired();
        }
        return p;
    }

    /**
     * The Host (and TLS SNI) for the current try when the route does not preserve the client's: the
     * upstream's {@code host_header}, else the peer's host name (the target host, or the SRV name with
     * {@code use_srv_name}). Kong appends {@code :port} unless it is the scheme's default; callers do that.
     */
    public String upstreamHost() {
        String h = state.upstream().hostHeader();
        return h != null ? h : current == null ? null : current.hostname();
    }

    /** The peer of the current try, or null. */
    public Peer current() {
        return current;
    }

    /** Tries so far. */
    public int tries() {
        return tried.size();
    }

    /**
     * The {@code Set-Cookie} value to add to the response when hashing on a cookie the client did not send
     * ({@code <name>=<uuid>; Path=<path>; Same-Site=Lax; HttpOnly}), else null.
     */
    public String setCookie() {
        return setCookie;
    }

    /** The hash key used (consistent hashing), else null. */
    public String hashKey() {
        return hashKey;
    }

    /** The current try failed before a response (connect error, reset, timeout): a passive report, then release. */
    public void failed(TargetHealth.Failure kind) {
        if (current != null && !released) {
            current.health().reportFailure(TargetHealth.Source.PASSIVE, kind);
            release(-1);
        }
    }

    /** The current try produced a response head with this status: a passive report. */
    public void responded(int status) {
        if (current != null) {
            current.health().reportHttpStatus(TargetHealth.Source.PASSIVE, status);
        }
    }

    /**
     * Ends the current try: no longer in flight; {@code rttNanos >= 0} (connect + response time) feeds the
     * latency average. Idempotent.
     */
    public void release(long rttNanos) {
        if (current != null && !released) {
            released = true;
            current.released();
            if (rttNanos >= 0) {
                current.recordLatency(rttNanos / 1e6, state.clock.getAsLong());
            }
        }
    }

    boolean wasTried(Peer p) {
        for (int i = 0; i < tried.size(); i++) {
            if (tried.get(i) == p) {
                return true;
            }
        }
        return false;
    }

    String hashKeyForRing() {
        return hashKey == null ? "" : hashKey;
    }
}
