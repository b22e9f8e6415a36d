package org.kongjava.core.balance;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.PriorityQueue;
import org.kongjava.config.model.Upstream;

/**
 * The immutable picking structures of one upstream at one moment: the addresses, the round-robin wheel over
 * the available ones, the consistent-hashing continuum, and the balancer's health. Rebuilt (copy-on-write)
 * when targets, resolutions or health change, then published through one volatile write; pickers only read.
 */
final class Ring {
    /** Upper bound on round-robin wheel entries; larger weight sums are scaled down proportionally. */
    static final int MAX_WHEEL = 1 << 16;
    /** Continuum points per address when all weights are equal (Kong's SERVER_POINTS). */
    static final int SERVER_POINTS = 160;

    static final Ring EMPTY = new Ring(new Peer[0], new Peer[0], new Peer[0], 0, 0, false);

    final Peer[] peers;
    /** The weights of {@link #peers} when the ring was built (a weight change rebuilds the ring). */
    final int[] weights;
    /** The peers healthy at build time, and their weights (least-connections scans these). */
    final Peer[] available;
    final int[] availableWeights;
    final Peer[] wheel;
    final Peer[] continuum;
    final long totalWeight;
    final long availableWeight;
    final boolean healthy;

    Ring(Peer[] peers, Peer[] wheel, Peer[] continuum, long totalWeight, long availableWeight, boolean healthy) {
        this.peers = peers;
        this.weights = new int[peers.length];
        int up = 0;
        for (int i = 0; i < peers.length; i++) {
            weights[i] = peers[i].weight;
            if (peers[i].health().isHealthy()) {
                up++;
            }
        }
        this.available = new Peer[up];
        this.availableWeights = new int[up];
        for (int i = 0, j = 0; i < peers.length; i++) {
            if (peers[i].health().isHealthy()) {
                available[j] = peers[i];
                availableWeights[j++] = peers[i].weight;
            }
        }
        this.wheel = wheel;
        this.continuum = continuum;
        this.totalWeight = totalWeight;
        this.availableWeight = availableWeight;
        this.healthy = healthy;
    }

    /**
     * Builds a ring.
     *
     * @param peers      every address with a positive weight
     * @param continuum  the continuum to reuse (same addresses and weights), or null to build one
     * @param threshold  healthchecks.threshold: healthy when available/total*100 exceeds it
     */
    static Ring build(Upstream u, List<Peer> peers, Peer[] continuum, double threshold) {
        List<Peer> sorted = new ArrayList<>(peers);
        // Kong's continuum order: targets by name then port, addresses by "ip:port" text.
        sorted.sort(Comparator.comparing((Peer p) -> hostOf(p.target())).thenComparingInt(p -> portOf(p.target()))
                .thenComparing(p -> p.address().getAddress().getHostAddress() + ":" + p.address().getPort()));
        long total = 0;
        long available = 0;
        List<Peer> up = new ArrayList<>();
        for (Peer p : sorted) {
            total += p.weight;
            if (p.health().isHealthy()) {
                available += p.weight;
                up.add(p);
            }
        }
        boolean healthy = total > 0 && (double) available / total * 100 > threshold;
        Peer[] all = sorted.toArray(Peer[]::new);
        Peer[] wheel = u.algorithm() == Upstream.Algorithm.ROUND_ROBIN ? smoothWheel(up) : new Peer[0];
        Peer[] cont = continuum;
        if (u.algorithm() == Upstream.Algorithm.CONSISTENT_HASHING && cont == null) {
            cont = continuum(all, total, u.slots());
        }
        return new Ring(all, wheel, cont == null ? new Peer[0] : cont, total, available, healthy);
    }

    /**
     * A weighted wheel in which each peer's turns are spread evenly (earliest-deadline-first over
     * {@code k / weight}): the same sequence smooth weighted round-robin produces, computed once so picking
     * is one atomic increment. Weights are divided by their gcd first, as Kong does.
     */
    static Peer[] smoothWheel(List<Peer> peers) {
        int n = peers.size();
        if (n == 0) {
            return new Peer[0];
        }
        long[] w = new long[n];
        long g = 0;
        for (int i = 0; i < n; i++) {
            w[i] = peers.get(i).weight;
            g = gcd(g, w[i]);
        }
        long sum = 0;
        for (int i = 0; i < n; i++) {
            w[i] /= g;
            sum += w[i];
        }
        if (sum > MAX_WHEEL) {
            long scaled = 0;
            for (int i = 0; i < n; i++) {
                w[i] = Math.max(1, Math.round((double) w[i] * MAX_WHEEL / sum));
                scaled += w[i];
            }
            sum = scaled;
        }
        long[] turns = new long[n];
        final long[] weights = w;
        // Next deadline of peer i is (turns[i] + 1) / w[i]; compare fractions exactly by cross-multiplying.
        PriorityQueue<Integer> q = new PriorityQueue<>((a, b) -> {
            int c = Long.compare((turns[a] + 1) * weights[b], (turns[b] + 1) * weights[a]);
            return c != 0 ? c : Integer.compare(a, b);
        });
        for (int i = 0; i < n; i++) {
            q.add(i);
        }
        Peer[] out = new Peer[(int) sum];
        for (int k = 0; k < sum; k++) {
            int i = q.poll();
            out[k] = peers.get(i);
            turns[i]++;
            q.add(i);
        }
        return out;
    }

    /**
     * Kong's Ketama continuum: each address gets {@code floor(weight/total * addresses * 160)} points (at
     * least 1) at {@code xxhash32("<ip>::<port> <i>") % slots}; a collision moves the problem to the next i.
     * <p>
     * When {@code addresses * 160} exceeds {@code slots}, Kong gives up building the ring ("please increase the
     * wheel size") and keeps the old one; here the points are scaled down to the slots available instead, so
     * every address keeps a share proportional to its weight. Below that size the ring is Kong's.
     */
    static Peer[] continuum(Peer[] sorted, long totalWeight, int slots) {
        Peer[] c = new Peer[slots];
        if (sorted.length == 0 || totalWeight == 0) {
            return c;
        }
        double points = (double) sorted.length * SERVER_POINTS;
        double scale = points <= slots ? 1.0 : slots / points;
        int filled = 0;
        for (Peer p : sorted) {
            long entries = (long) Math.floor((double) p.weight / totalWeight * points * scale);
            if (p.weight > 0 && entries == 0) {
                entries = 1;
            }
            String prefix = p.address().getAddress().getHostAddress() + "::" + p.address().getPort() + " ";
            long cap = entries + 8L * slots; // bounded work even on an almost full ring
            for (long i = 1; i <= entries && filled < slots && i <= cap; i++) {
                int idx = (int) (XxHash32.hash(prefix + i) % slots);
                if (c[idx] == null) {
                    c[idx] = p;
                    filled++;
                } else {
                    entries++;
                }
            }
        }
        return c;
    }

    /** The continuum slot of a hash key. */
    static int slotOf(String key, int slots) {
        return (int) (XxHash32.hash(key) % slots);
    }

    static long gcd(long a, long b) {
        while (b != 0) {
            long t = a % b;
            a = b;
            b = t;
        }
        return a;
    }

    static String hostOf(String target) {
        return target.substring(0, target.lastIndexOf(':'));
    }

    static int portOf(String target) {
        return Integer.parseInt(target.substring(target.lastIndexOf(':') + 1));
    }

    boolean sameAddresses(Ring other) {
        if (other.peers.length != peers.length) {
            return false;
        }
        for (int i = 0; i < peers.length; i++) {
            if (other.peers[i] != peers[i]) {
                return false;
            }
        }
        return true;
    }

    @Override
    public String toString() {
        return "Ring" + Arrays.toString(peers);
    }
}
