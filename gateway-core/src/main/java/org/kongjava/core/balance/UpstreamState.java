package org.kongjava.core.balance;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;
import org.kongjava.config.model.Healthchecks;
import org.kongjava.config.model.Target;
import org.kongjava.config.model.Upstream;
import org.kongjava.config.net.IpAddresses;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The mutable side of one upstream, kept by {@link BalancerRegistry} across snapshot swaps while the upstream
 * exists: its peers (health, in-flight counts, latency), DNS answers of its host-name targets, the active
 * checker, and the current {@link Ring}. Writers (config thread, DNS callbacks, health flips) serialize on
 * {@code this} and publish a new ring through a volatile field; pickers read that field and nothing else.
 */
final class UpstreamState {
    private static final Logger log = LoggerFactory.getLogger(UpstreamState.class);

    final LongSupplier clock;
    private final BalancerRegistry registry;
    private final Map<String, Peer> peers = new ConcurrentHashMap<>();
    private final Map<String, DnsCache.Answer> answers = new ConcurrentHashMap<>();
    private final Map<String, ScheduledFuture<?>> refreshes = new ConcurrentHashMap<>();
    private final AtomicLong rrCounter = new AtomicLong();
    private final AtomicLong lcOffset = new AtomicLong();
    private volatile Upstream upstream;
    private volatile List<Target> targets = List.of();
    private volatile Ring ring = Ring.EMPTY;
    private String continuumKey = "";
    private HealthChecker checker;
    private boolean closed;
    private boolean configured;

    UpstreamState(BalancerRegistry registry, Upstream upstream, LongSupplier clock) {
        this.registry = registry;
        this.upstream = upstream;
        this.clock = clock;
    }

    Upstream upstream() {
        return upstream;
    }

    Ring ring() {
        return ring;
    }

    List<Target> targets() {
        return targets;
    }

    DnsCache.Answer answer(String target) {
        return answers.get(target);
    }

    /** Applies a new configuration of the upstream and its targets (config thread). */
    synchronized void configure(Upstream u, List<Target> ts) {
        if (closed) {
            return;
        }
        if (configured && u.equals(upstream) && ts.equals(targets)) {
            return; // an unrelated change (a route, another upstream): keep everything as is
        }
        configured = true;
        boolean checksChanged = !u.healthchecks().equals(upstream.healthchecks());
        this.upstream = u;
        this.targets = List.copyOf(ts);
        for (Peer p : peers.values()) {
            p.health().configure(u.healthchecks());
        }
        Map<String, Boolean> names = new LinkedHashMap<>();
        for (Target t : ts) {
            if (IpAddresses.parseLiteral(t.host()) == null) {
                names.put(t.host(), Boolean.TRUE);
            }
        }
        // Stop refreshing names no target uses any more.
        refreshes.keySet().removeIf(name -> {
            if (!names.containsKey(name)) {
                ScheduledFuture<?> f = refreshes.get(name);
                if (f != null) {
                    f.cancel(false);
                }
                answers.remove(name);
                return true;
            }
            return false;
        });
        for (String name : names.keySet()) {
            if (!answers.containsKey(name) && !refreshes.containsKey(name)) {
                refreshes.put(name, NO_REFRESH); // marks the lookup as under way; the answer replaces it
                registry.resolveInitial(this, name);
            }
        }
        rebuild();
        if (checker == null || checksChanged) {
            if (checker != null) {
                checker.stop();
                checker = null;
            }
            Healthchecks.Active a = u.healthchecks().active();
            if (a.healthy().interval() > 0 || a.unhealthy().interval() > 0) {
                checker = registry.startChecker(this);
            }
        }
    }

    /** A DNS answer arrived for a host name (any thread). */
    void onAnswer(String name, DnsCache.Answer a) {
        synchronized (this) {
            if (closed) {
                return;
            }
            answers.put(name, a);
            rebuild();
            long delayMillis = a.refreshMillis();
            if (delayMillis >= 0) {
                ScheduledFuture<?> f = registry.scheduleRefresh(this, name, delayMillis);
                ScheduledFuture<?> old = refreshes.put(name, f);
                if (old != null && old != f) {
                    old.cancel(false);
                }
            } else {
                refreshes.put(name, NO_REFRESH);
            }
        }
    }

    /** Recomputes the peers and ring from targets, answers and health. */
    synchronized void rebuild() {
        Upstream u = upstream;
        Map<String, Peer> live = new LinkedHashMap<>();
        List<Peer> balanced = new ArrayList<>();
        for (Target t : targets) {
            for (Addr a : addressesOf(t)) {
                String key = t.target() + "|" + a.ip.getHostAddress() + "|" + a.port + "|" + a.hostname;
                Peer p = peers.get(key);
                if (p == null) {
                    p = new Peer(t.target(), a.hostname, new InetSocketAddress(a.ip, a.port),
                            new TargetHealth(u.healthchecks(), (h, healthy) -> onHealthChange(healthy)), a.weight);
                    peers.put(key, p);
                }
                p.weight = a.weight;
                live.put(key, p);
                if (a.weight > 0) {
                    balanced.add(p);
                }
            }
        }
        peers.keySet().retainAll(live.keySet());
        StringBuilder key = new StringBuilder();
        for (Peer p : balanced) {
            key.append(p).append('/').append(p.weight).append(',');
        }
        Ring old = ring;
        String ck = u.algorithm() + ":" + u.slots() + ":" + key;
        Peer[] reuse = ck.equals(continuumKey) && old.continuum.length > 0 ? old.continuum : null;
        continuumKey = ck;
        Ring next = Ring.build(u, balanced, reuse, u.healthchecks().threshold());
        if (u.algorithm() == Upstream.Algorithm.LATENCY) {
            seedLatency(next);
        }
        ring = next;
        if (old.healthy != next.healthy && old != Ring.EMPTY) {
            log.warn("[healthchecks] balancer {} reported health status changed to {}", u.name(),
                    next.healthy ? "HEALTHY" : "UNHEALTHY");
        }
    }

    /** Kong's slow start: a new address starts at the average latency of the others. */
    private void seedLatency(Ring r) {
        double sum = 0;
        int n = 0;
        long now = clock.getAsLong();
        for (Peer p : r.peers) {
            if (p.ewma() != null) {
                sum += p.score(now);
                n++;
            }
        }
        if (n == 0) {
            return; // nothing measured yet: the first sample sets the average (Kong's nil ewma)
        }
        double avg = sum / n;
        for (Peer p : r.peers) {
            p.seedEwma(avg, now);
        }
    }

    private void onHealthChange(boolean healthy) {
        rebuild();
    }

    /** One resolved address of a target. */
    record Addr(InetAddress ip, int port, int weight, String hostname) {
    }

    private List<Addr> addressesOf(Target t) {
        InetAddress ip = IpAddresses.parseLiteral(t.host());
        if (ip != null) {
            return List.of(new Addr(ip, t.port(), t.weight(), t.host()));
        }
        DnsCache.Answer a = answers.get(t.host());
        if (a == null || a.entries().isEmpty()) {
            return List.of();
        }
        List<Addr> out = new ArrayList<>();
        for (DnsCache.Entry e : a.entries()) {
            int port = e.port() > 0 ? e.port() : t.port();
            // SRV weights replace the target weight; an SRV weight of 0 is hit minimally (Kong uses 1).
            int weight = t.weight() == 0 ? 0 : e.weight() >= 0 ? Math.max(1, e.weight()) : t.weight();
            // use_srv_name: the SRV record's target name is the Host/SNI, instead of the target's name.
            String host = upstream.useSrvName() && e.srvName() != null ? e.srvName() : t.host();
            out.add(new Addr(e.address(), port, weight, host));
        }
        return out;
    }

    /** The peers of one target (health output, Admin overrides). */
    List<Peer> peersOf(String target) {
        List<Peer> out = new ArrayList<>();
        for (Peer p : peers.values()) {
            if (p.target().equals(target)) {
                out.add(p);
            }
        }
        out.sort((a, b) -> (a.address().getAddress().getHostAddress() + ":" + a.address().getPort())
                .compareTo(b.address().getAddress().getHostAddress() + ":" + b.address().getPort()));
        return out;
    }

    List<Peer> allPeers() {
        return new ArrayList<>(peers.values());
    }

    // ------------------------------------------------------------------ picking (hot path: reads `ring` only)

    Peer choose(Pick pick) {
        Ring r = ring;
        if (!r.healthy || r.peers.length == 0) {
            return null;
        }
        return switch (upstream.algorithm()) {
            case ROUND_ROBIN -> roundRobin(r, pick);
            case CONSISTENT_HASHING -> hashing(r, pick);
            case LEAST_CONNECTIONS -> leastConnections(r, pick);
            case LATENCY -> latency(r, pick);
        };
    }

    private Peer roundRobin(Ring r, Pick pick) {
        Peer[] wheel = r.wheel;
        int n = wheel.length;
        if (n == 0) {
            return null;
        }
        Peer fallback = null;
        // A retry prefers an address not tried yet; when all were tried, the wheel's next one.
        for (int i = 0; i < n; i++) {
            Peer p = wheel[(int) Long.remainderUnsigned(rrCounter.getAndIncrement(), n)];
            if (!p.isAvailable()) {
                continue;
            }
            if (pick.tries() == 0 || !pick.wasTried(p)) {
                return p;
            }
            if (fallback == null) {
                fallback = p;
            }
            if (i >= r.peers.length) {
                break;
            }
        }
        return fallback;
    }

    private Peer hashing(Ring r, Pick pick) {
        Peer[] c = r.continuum;
        int slots = c.length;
        if (slots == 0) {
            return null;
        }
        int start = pick.position >= 0 ? pick.position : Ring.slotOf(pick.hashKeyForRing(), slots);
        Peer fallback = null;
        // Walk counter-clockwise from the key's slot (Kong's order); retries continue where the last try was.
        for (int step = 0; step < slots; step++) {
            int idx = Math.floorMod(start - step, slots);
            Peer p = c[idx];
            if (p != null && p.isAvailable()) {
                if (!pick.wasTried(p)) {
                    pick.position = idx;
                    return p;
                }
                if (fallback == null) {
                    fallback = p;
                }
            }
        }
        return fallback;
    }

    private Peer leastConnections(Ring r, Pick pick) {
        // Only the addresses healthy when the ring was built (a health flip rebuilds it).
        Peer[] ps = r.available;
        int[] ws = r.availableWeights;
        int n = ps.length;
        if (n == 0) {
            return null;
        }
        // Start at a rotating offset so that ties do not always go to the first address.
        int off = (int) Long.remainderUnsigned(lcOffset.getAndIncrement(), n);
        boolean retry = pick.tries() > 0;
        // Scores (inflight + 1) / weight are compared by cross-multiplying: no division in the scan.
        Peer best = null;
        long bestNum = 0;
        long bestDen = 1;
        Peer bestTried = null;
        long triedNum = 0;
        long triedDen = 1;
        for (int k = 0, i = off; k < n; k++, i = i + 1 == n ? 0 : i + 1) {
            Peer p = ps[i];
            long num = p.inflight() + 1L;
            long den = ws[i];
            if (retry && pick.wasTried(p)) {
                if (bestTried == null || num * triedDen < triedNum * den) {
                    bestTried = p;
                    triedNum = num;
                    triedDen = den;
                }
            } else if (best == null || num * bestDen < bestNum * den) {
                best = p;
                bestNum = num;
                bestDen = den;
            }
        }
        return best != null ? best : bestTried;
    }

    private Peer latency(Ring r, Pick pick) {
        Peer[] ps = r.peers;
        int n = ps.length;
        long now = clock.getAsLong();
        int off = (int) Long.remainderUnsigned(lcOffset.getAndIncrement(), n);
        Peer best = null;
        double bestScore = Double.MAX_VALUE;
        for (int k = 0; k < n; k++) {
            Peer p = ps[(off + k) % n];
            if (!p.isAvailable() || pick.tries() > 0 && pick.wasTried(p)) {
                continue;
            }
            double s = p.score(now) / p.weight;
            if (s < bestScore) {
                bestScore = s;
                best = p;
            }
        }
        return best;
    }

    // ------------------------------------------------------------------ lifecycle

    synchronized void close() {
        closed = true;
        if (checker != null) {
            checker.stop();
            checker = null;
        }
        for (ScheduledFuture<?> f : refreshes.values()) {
            f.cancel(false);
        }
        refreshes.clear();
    }

    synchronized boolean isClosed() {
        return closed;
    }

    static final ScheduledFuture<?> NO_REFRESH = new NoFuture();

    /** Placeholder for "resolved, nothing to refresh" (IP-like answers from the hosts file). */
    private static final class NoFuture implements ScheduledFuture<Object> {
        @Override
        public long getDelay(TimeUnit unit) {
            return 0;
        }

        @Override
        public int compareTo(java.util.concurrent.Delayed o) {
            return 0;
        }

        @Override
        public boolean cancel(boolean mayInterruptIfRunning) {
            return false;
        }

        @Override
        public boolean isCancelled() {
            return false;
        }

        @Override
        public boolean isDone() {
            return true;
        }

        @Override
        public Object get() {
            return null;
        }

        @Override
        public Object get(long timeout, TimeUnit unit) {
            return null;
        }
    }
}
