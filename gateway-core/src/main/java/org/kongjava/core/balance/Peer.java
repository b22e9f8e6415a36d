package org.kongjava.core.balance;

import java.net.InetSocketAddress;
import java.util.concurrent.atomic.AtomicIntegerFieldUpdater;

/**
 * One balanced address: a resolved {@code ip:port} of a target. Its health, in-flight count and latency
 * average live here and survive configuration changes and re-resolution (the registry keeps one instance per
 * target and address). Any thread may read or report; see {@link TargetHealth} for the locking.
 */
public final class Peer {
    private final String target;
    private final String hostname;
    private final InetSocketAddress address;
    private final TargetHealth health;
    private static final AtomicIntegerFieldUpdater<Peer> INFLIGHT =
            AtomicIntegerFieldUpdater.newUpdater(Peer.class, "inflight");
    // A field, not an AtomicInteger: least-connections scans it for every address, one memory load each.
    private volatile int inflight;
    // Not volatile-pair torn reads: the record is replaced whole, so readers see one consistent sample.
    private volatile Ewma ewma;
    volatile int weight;

    record Ewma(double millis, long touchedNanos) {
    }

    Peer(String target, String hostname, InetSocketAddress address, TargetHealth health, int weight) {
        this.target = target;
        this.hostname = hostname;
        this.address = address;
        this.health = health;
        this.weight = weight;
    }

    /** The target entity's {@code host:port} this address belongs to. */
    public String target() {
        return target;
    }

    /** The target's host name (or IP as written): the default Host header and TLS SNI for this peer. */
    public String hostname() {
        return hostname;
    }

    /** Where to connect; always resolved. */
    public InetSocketAddress address() {
        return address;
    }

    public TargetHealth health() {
        return health;
    }

    public int weight() {
        return weight;
    }

    /** Requests currently balanced to this address (least-connections). */
    public int inflight() {
        return inflight;
    }

    /** Usable now: positive weight and healthy. */
    public boolean isAvailable() {
        return weight > 0 && health.isHealthy();
    }

    void acquired() {
        INFLIGHT.incrementAndGet(this);
    }

    void released() {
        INFLIGHT.decrementAndGet(this);
    }

    Ewma ewma() {
        return ewma;
    }

    void seedEwma(double millis, long now) {
        if (ewma == null) {
            ewma = new Ewma(millis, now);
        }
    }

    /** The latency average decayed to {@code now} with a zero sample, as Kong scores candidates. */
    double score(long now) {
        Ewma e = ewma;
        if (e == null) {
            return 0;
        }
        return decay(e, 0, now);
    }

    synchronized void recordLatency(double rttMillis, long now) {
        Ewma e = ewma;
        ewma = new Ewma(e == null ? rttMillis : decay(e, rttMillis, now), now);
    }

    static final double DECAY_SECONDS = 10;

    private static double decay(Ewma e, double sample, long now) {
        double td = Math.max(0, (now - e.touchedNanos) / 1e9);
        double w = Math.exp(-td / DECAY_SECONDS);
        return e.millis * w + sample * (1.0 - w);
    }

    @Override
    public String toString() {
        return target + "@" + address.getAddress().getHostAddress() + ":" + address.getPort();
    }
}
