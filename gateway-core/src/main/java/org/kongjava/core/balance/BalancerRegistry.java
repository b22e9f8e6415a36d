package org.kongjava.core.balance;

import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import org.kongjava.config.model.EntitySet;
import org.kongjava.config.model.Target;
import org.kongjava.config.model.Upstream;
import org.kongjava.config.net.IpAddresses;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The node's balancer state, one {@link UpstreamState} per upstream id, kept across snapshot swaps: health,
 * in-flight counts, latency averages, DNS answers and active checkers survive configuration changes for as long
 * as the upstream exists. {@link #compile} (config thread) turns an entity set into the snapshot's immutable
 * {@link Balancers}; the Admin API reads health and posts overrides here.
 */
public final class BalancerRegistry implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(BalancerRegistry.class);
    /** How long {@link #compile} waits for the first DNS answer of new target names (read-your-writes). */
    static final long INITIAL_DNS_WAIT_MS = 3000;

    private final EventLoopGroup workers;
    private final Class<? extends SocketChannel> socketType;
    private final DnsCache dns;
    private final LongSupplier clock;
    private final Map<UUID, UpstreamState> states = new ConcurrentHashMap<>();
    private final List<CompletableFuture<?>> pendingDns = new ArrayList<>();

    /**
     * @param workers    event loops for active health checks and DNS refresh timers; null = no active checks
     *                   and no refreshes (tests of the algorithms)
     * @param socketType the socket channel class of {@code workers}' transport
     * @param dns        resolver for host-name targets; null = host names never resolve
     */
    public BalancerRegistry(EventLoopGroup workers, Class<? extends SocketChannel> socketType, DnsCache dns) {
        this(workers, socketType, dns, System::nanoTime);
    }

    BalancerRegistry(EventLoopGroup workers, Class<? extends SocketChannel> socketType, DnsCache dns, LongSupplier clock) {
        this.workers = workers;
        this.socketType = socketType;
        this.dns = dns;
        this.clock = clock;
    }

    /** The resolver for host names (plain service hosts too), or null when the registry has none. */
    public DnsCache dns() {
        return dns;
    }

    /** A registry with no loops and no DNS: IP targets only, no active checks (unit tests, tools). */
    public static BalancerRegistry detached() {
        return new BalancerRegistry(null, null, null);
    }

    /**
     * Brings the live state in line with {@code set} and returns the balancers for a new snapshot. Runs on the
     * config thread; may wait (bounded) for the first DNS answer of new host names, never on an event loop.
     */
    public synchronized Balancers compile(EntitySet set) {
        Map<UUID, List<Target>> byUpstream = new HashMap<>();
        for (Target t : set.targets().values()) {
            byUpstream.computeIfAbsent(t.upstreamId(), k -> new ArrayList<>()).add(t);
        }
        Map<String, Balancer> out = new LinkedHashMap<>();
        for (Upstream u : set.upstreams().values()) {
            UpstreamState st = states.computeIfAbsent(u.id(), id -> new UpstreamState(this, u, clock));
            List<Target> ts = new ArrayList<>(byUpstream.getOrDefault(u.id(), List.of()));
            ts.sort((a, b) -> Long.compare(a.createdAtMillis(), b.createdAtMillis()));
            st.configure(u, ts);
            out.put(u.name(), new Balancer(u, st));
        }
        states.entrySet().removeIf(e -> {
            if (!set.upstreams().containsKey(e.getKey())) {
                e.getValue().close();
                return true;
            }
            return false;
        });
        awaitInitialDns();
        return new Balancers(out, this);
    }

    private void awaitInitialDns() {
        if (pendingDns.isEmpty()) {
            return;
        }
        if (workers != null) {
            for (io.netty.util.concurrent.EventExecutor e : workers) {
                if (e.inEventLoop()) {
                    pendingDns.clear();
                    return; // never wait on a loop; the answers arrive on their own
                }
            }
        }
        try {
            CompletableFuture.allOf(pendingDns.toArray(CompletableFuture[]::new)).get(INITIAL_DNS_WAIT_MS, TimeUnit.MILLISECONDS);
        } catch (Exception e) {
            log.warn("dns: first answers for new targets not in after {} ms; they will be used when they arrive",
                    INITIAL_DNS_WAIT_MS);
        } finally {
            pendingDns.clear();
        }
    }

    void resolveInitial(UpstreamState st, String name) {
        if (dns == null) {
            st.onAnswer(name, new DnsCache.Answer(List.of(), null, "dns client error: no resolver", -1));
            return;
        }
        CompletableFuture<DnsCache.Answer> f = dns.lookup(name);
        pendingDns.add(f.thenAccept(a -> st.onAnswer(name, a)));
    }

    ScheduledFuture<?> scheduleRefresh(UpstreamState st, String name, long delayMillis) {
        if (workers == null || dns == null) {
            return UpstreamState.NO_REFRESH;
        }
        return workers.next().schedule(() -> {
            if (!st.isClosed()) {
                dns.lookup(name).thenAccept(a -> st.onAnswer(name, a));
            }
        }, delayMillis, TimeUnit.MILLISECONDS);
    }

    HealthChecker startChecker(UpstreamState st) {
        if (workers == null) {
            return null;
        }
        EventLoop loop = (EventLoop) workers.next();
        HealthChecker c = new HealthChecker(st, loop, socketType);
        c.start();
        return c;
    }

    // ------------------------------------------------------------------ Admin API: health

    /** The per-target part of {@code GET /upstreams/{u}/health}: Kong's {@code health} word and {@code data}. */
    public record TargetReport(String health, Map<String, Object> data) {
    }

    /** Health of one target of an upstream (see proxy-behaviour.md §9); null when the upstream is unknown. */
    public TargetReport report(UUID upstreamId, Target t) {
        UpstreamState st = states.get(upstreamId);
        if (st == null) {
            return null;
        }
        boolean checks = st.upstream().healthchecks().enabled();
        List<Peer> ps = st.peersOf(t.target());
        List<Map<String, Object>> addresses = new ArrayList<>();
        long total = 0;
        long unavailable = 0;
        String health = null;
        for (Peer p : ps) {
            String h = checks && t.weight() > 0 ? (p.health().isHealthy() ? "HEALTHY" : "UNHEALTHY") : "HEALTHCHECKS_OFF";
            Map<String, Object> a = new LinkedHashMap<>();
            a.put("ip", p.address().getAddress().getHostAddress());
            a.put("port", p.address().getPort());
            a.put("weight", p.weight());
            a.put("health", h);
            addresses.add(a);
            total += p.weight();
            if (!p.health().isHealthy()) {
                unavailable += p.weight();
            }
            if (h.equals("HEALTHY")) {
                health = "HEALTHY";
            } else if (h.equals("UNHEALTHY") && health == null) {
                health = "UNHEALTHY";
            }
        }
        DnsCache.Answer ans = IpAddresses.parseLiteral(t.host()) != null ? null : st.answer(t.host());
        if (ps.isEmpty()) {
            health = "DNS_ERROR";
        } else if (health == null) {
            health = "HEALTHCHECKS_OFF";
        }
        Map<String, Object> weight = new LinkedHashMap<>();
        weight.put("total", total);
        weight.put("available", total - unavailable);
        weight.put("unavailable", unavailable);
        Map<String, Object> data = new LinkedHashMap<>();
        data.put("host", t.host());
        data.put("port", t.port());
        data.put("dns", IpAddresses.parseLiteral(t.host()) != null ? "A" : ans == null ? "unknown" : ans.dnsSource());
        data.put("nodeWeight", t.weight());
        data.put("weight", weight);
        data.put("addresses", addresses);
        return new TargetReport(health, data);
    }

    /** {@code GET /upstreams/{u}/health?balancer_health=1}'s {@code data}; null when the upstream is unknown. */
    public Map<String, Object> balancerReport(UUID upstreamId) {
        UpstreamState st = states.get(upstreamId);
        if (st == null) {
            return null;
        }
        Ring r = st.ring();
        String bh = r.healthy ? "HEALTHY" : "UNHEALTHY";
        List<Map<String, Object>> hosts = new ArrayList<>();
        for (Target t : st.targets()) {
            hosts.add(report(upstreamId, t).data());
        }
        Map<String, Object> weight = new LinkedHashMap<>();
        weight.put("total", r.totalWeight);
        weight.put("available", r.availableWeight);
        weight.put("unavailable", r.totalWeight - r.availableWeight);
        Map<String, Object> details = new LinkedHashMap<>();
        details.put("healthy", r.healthy);
        details.put("weight", weight);
        details.put("hosts", hosts);
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("health", st.upstream().healthchecks().enabled() ? bh : "HEALTHCHECKS_OFF");
        m.put("balancer_health", bh);
        m.put("id", upstreamId.toString());
        m.put("details", details);
        return m;
    }

    /**
     * The Admin API override: forces the health of every address of a target, or of one address
     * ({@code ip[:port]}, port 8000 when omitted).
     *
     * @return null on success, else Kong's error message (the caller answers 400)
     */
    public String setHealth(UUID upstreamId, Target t, String address, boolean healthy) {
        UpstreamState st = states.get(upstreamId);
        if (st == null) {
            return "Upstream has no balancer";
        }
        if (!st.upstream().healthchecks().enabled()) {
            return "no healthchecker found for " + st.upstream().name();
        }
        String ip = null;
        int port = t.port();
        if (address != null) {
            String a = address;
            int colon = a.lastIndexOf(':');
            if (a.startsWith("[")) {
                int close = a.indexOf(']');
                ip = a.substring(1, close);
                port = close + 1 < a.length() ? Integer.parseInt(a.substring(close + 2)) : 8000;
            } else if (colon > 0 && a.indexOf(':') == colon) {
                ip = a.substring(0, colon);
                port = Integer.parseInt(a.substring(colon + 1));
            } else {
                ip = a;
                port = 8000;
            }
        }
        boolean any = false;
        for (Peer p : st.peersOf(t.target())) {
            if (ip == null || (sameIp(p, ip) && p.address().getPort() == port)) {
                p.health().force(healthy);
                any = true;
            }
        }
        if (!any && ip != null) {
            return "target not found for " + address;
        }
        return null;
    }

    private static boolean sameIp(Peer p, String ip) {
        java.net.InetAddress a = IpAddresses.parseLiteral(ip);
        return a != null && a.equals(p.address().getAddress());
    }

    /** The live state of an upstream, for tests in this package. */
    UpstreamState state(UUID id) {
        return states.get(id);
    }

    @Override
    public synchronized void close() {
        states.values().forEach(UpstreamState::close);
        states.clear();
    }
}
