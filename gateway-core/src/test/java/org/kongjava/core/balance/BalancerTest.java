package org.kongjava.core.balance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.kongjava.config.model.Healthchecks;
import org.kongjava.config.model.Target;
import org.kongjava.config.model.Upstream;
import org.kongjava.core.router.HeaderLookup;

class BalancerTest {
    private final AtomicLong now = new AtomicLong(1_000_000_000L);
    private final BalancerRegistry registry = new BalancerRegistry(null, null, null, now::get);

    private Balancer compile(Upstream u, List<Target> ts) {
        return registry.compile(Fixtures.set(u, ts)).forHost(u.name());
    }

    private static BalanceFacts header(String key) {
        return new BalanceFacts("10.0.0.1", name -> name.equals("x-key") ? List.of(key) : List.of(), "/", null, Map.of(), null);
    }

    private static Map<String, Integer> count(Balancer b, int n) {
        Map<String, Integer> m = new HashMap<>();
        for (int i = 0; i < n; i++) {
            Pick p = b.start(BalanceFacts.ofClient("10.0.0.1"));
            Peer peer = p.next();
            m.merge(peer.target(), 1, Integer::sum);
            p.release(-1);
        }
        return m;
    }

    @Test
    void xxhash32MatchesTheReferenceVectors() {
        assertEquals(0x02CC5D05L, XxHash32.hash(""));
        assertEquals(0x32D153FFL, XxHash32.hash("abc"));
        // 16+ bytes exercises the striped loop.
        assertEquals(Integer.toUnsignedLong(XxHash32.hash("Nobody inspects the spammish repetition".getBytes())),
                XxHash32.hash("Nobody inspects the spammish repetition"));
        assertEquals(0xE2293B2FL, XxHash32.hash("Nobody inspects the spammish repetition"));
    }

    @Test
    void roundRobinFollowsWeightsExactlyAndSmoothly() {
        Upstream u = Fixtures.upstream("rr.test", Upstream.Algorithm.ROUND_ROBIN);
        Balancer b = compile(u, List.of(Fixtures.target(u, "127.0.0.1:1", 100), Fixtures.target(u, "127.0.0.2:1", 200),
                Fixtures.target(u, "127.0.0.3:1", 300)));
        Map<String, Integer> c = count(b, 6000);
        assertEquals(1000, c.get("127.0.0.1:1"));
        assertEquals(2000, c.get("127.0.0.2:1"));
        assertEquals(3000, c.get("127.0.0.3:1"));
        // Smooth: the heaviest target never gets more than 2 turns in a row over one cycle of 6.
        Pick p = b.start(BalanceFacts.ofClient("x"));
        int run = 0;
        int maxRun = 0;
        String last = null;
        for (int i = 0; i < 60; i++) {
            String t = p.next().target();
            run = t.equals(last) ? run + 1 : 1;
            maxRun = Math.max(maxRun, run);
            last = t;
        }
        assertTrue(maxRun <= 2, "max consecutive picks of one target: " + maxRun);
    }

    @Test
    void weightZeroDisablesAndReweightingIsLive() {
        Upstream u = Fixtures.upstream("rw.test", Upstream.Algorithm.ROUND_ROBIN);
        Target a = Fixtures.target(u, "127.0.0.1:1", 100);
        Target b0 = Fixtures.target(u, "127.0.0.2:1", 0);
        Balancer b = compile(u, List.of(a, b0));
        assertEquals(Map.of("127.0.0.1:1", 100), count(b, 100));
        Target b1 = new Target(b0.id(), u.id(), b0.target(), 300, null, b0.createdAtMillis(), b0.updatedAtMillis());
        Balancer again = compile(u, List.of(a, b1));
        Map<String, Integer> c = count(again, 400);
        assertEquals(100, c.get("127.0.0.1:1"));
        assertEquals(300, c.get("127.0.0.2:1"));
        // The old snapshot's balancer shares the live state: it sees the new weights too.
        assertEquals(300, count(b, 400).get("127.0.0.2:1"));
    }

    @Test
    void consistentHashingIsStableAndMovesAboutAQuarterWhenOneOfFourGoes() {
        Upstream u = Fixtures.upstream("ch.test", Upstream.Algorithm.CONSISTENT_HASHING);
        List<Target> four = new ArrayList<>();
        for (int i = 1; i <= 4; i++) {
            four.add(Fixtures.target(u, "127.0.0." + i + ":80", 100));
        }
        Balancer b = compile(u, four);
        Map<String, String> before = new HashMap<>();
        for (int k = 0; k < 4000; k++) {
            String key = "user-" + k;
            String t = b.pick(header(key)).target();
            before.put(key, t);
            assertEquals(t, b.pick(header(key)).target(), "same key, same target");
        }
        Map<String, Integer> spread = new HashMap<>();
        before.values().forEach(t -> spread.merge(t, 1, Integer::sum));
        spread.values().forEach(n -> assertTrue(n > 600 && n < 1400, "spread " + spread));

        Balancer three = compile(u, four.subList(0, 3));
        int moved = 0;
        int movedFromKept = 0;
        for (Map.Entry<String, String> e : before.entrySet()) {
            String t = three.pick(header(e.getKey())).target();
            if (!t.equals(e.getValue())) {
                moved++;
                if (!e.getValue().equals("127.0.0.4:80")) {
                    movedFromKept++;
                }
            }
        }
        double share = moved / 4000.0;
        assertTrue(share > 0.15 && share < 0.35, "moved share " + share);
        assertTrue(movedFromKept < 4000 * 0.03, "keys of remaining targets that moved: " + movedFromKept);
    }

    @Test
    void aThousandTargetsShareTheRingWhenPointsExceedSlots() {
        Upstream u = Fixtures.upstream("ch1000.test", Upstream.Algorithm.CONSISTENT_HASHING);
        List<Target> ts = new ArrayList<>();
        for (int i = 0; i < 1000; i++) {
            ts.add(Fixtures.target(u, "10." + (i / 250) + "." + (i % 250) + ".1:80", 100));
        }
        long t0 = System.nanoTime();
        Balancer b = compile(u, ts);
        long buildMs = (System.nanoTime() - t0) / 1_000_000;
        assertTrue(buildMs < 2000, "ring build took " + buildMs + " ms");
        Map<Peer, Integer> slots = new HashMap<>();
        for (Peer p : registry.state(u.id()).ring().continuum) {
            assertNotNull(p, "every slot is used");
            slots.merge(p, 1, Integer::sum);
        }
        assertEquals(1000, slots.size(), "every target owns part of the ring");
        Map<String, Integer> hits = new HashMap<>();
        for (int k = 0; k < 50_000; k++) {
            hits.merge(b.pick(header("k" + k)).target(), 1, Integer::sum);
        }
        assertTrue(hits.size() > 950, "keys reach almost every target: " + hits.size());
    }

    @Test
    void hashingSkipsUnavailableAddressesAndRetriesMoveOnTheRing() {
        Upstream u = Fixtures.upstream("chh.test", Upstream.Algorithm.CONSISTENT_HASHING, Upstream.HashOn.HEADER,
                Fixtures.passive(1, 1));
        Balancer b = compile(u, List.of(Fixtures.target(u, "127.0.0.1:80", 100), Fixtures.target(u, "127.0.0.2:80", 100)));
        Pick p = b.start(header("k1"));
        Peer first = p.next();
        p.failed(TargetHealth.Failure.TCP); // passive: one failure marks it down
        Peer second = p.next();
        assertNotEquals(first, second);
        assertFalse(first.isAvailable());
        // The key now maps to the survivor until the first one is back.
        assertEquals(second, b.pick(header("k1")));
        first.health().reportHttpStatus(TargetHealth.Source.PASSIVE, 200);
        assertEquals(first, b.pick(header("k1")));
    }

    @Test
    void hashKeySourcesAndFallback() {
        Upstream base = Fixtures.upstream("h.test", Upstream.Algorithm.CONSISTENT_HASHING);
        HeaderLookup headers = name -> switch (name) {
            case "cookie" -> List.of("a=1; sticky=abc", "other=2");
            case "x-key" -> List.of("v1", "v2");
            default -> List.of();
        };
        BalanceFacts f = new BalanceFacts("192.0.2.7", headers, "/p/q", "k=b&k=a&z=1", Map.of("cap", "c1"), "consumer-1");
        String[] cookie = new String[1];
        assertEquals("v1, v2", Balancer.hashValue(with(base, Upstream.HashOn.HEADER, Upstream.HashOn.NONE), f, cookie));
        assertEquals("abc", Balancer.hashValue(with(base, Upstream.HashOn.COOKIE, Upstream.HashOn.NONE), f, cookie));
        assertNull(cookie[0]);
        assertEquals("192.0.2.7", Balancer.hashValue(with(base, Upstream.HashOn.IP, Upstream.HashOn.NONE), f, cookie));
        assertEquals("/p/q", Balancer.hashValue(with(base, Upstream.HashOn.PATH, Upstream.HashOn.NONE), f, cookie));
        assertEquals("a,b", Balancer.hashValue(with(base, Upstream.HashOn.QUERY_ARG, Upstream.HashOn.NONE), f, cookie));
        assertEquals("c1", Balancer.hashValue(with(base, Upstream.HashOn.URI_CAPTURE, Upstream.HashOn.NONE), f, cookie));
        assertEquals("consumer-1", Balancer.hashValue(with(base, Upstream.HashOn.CONSUMER, Upstream.HashOn.NONE), f, cookie));
        BalanceFacts bare = new BalanceFacts("192.0.2.7", HeaderLookup.NONE, "/", null, Map.of(), null);
        assertEquals("192.0.2.7", Balancer.hashValue(with(base, Upstream.HashOn.HEADER, Upstream.HashOn.IP), bare, cookie));
        assertNull(Balancer.hashValue(with(base, Upstream.HashOn.HEADER, Upstream.HashOn.NONE), bare, cookie));
        // A missing hash cookie is generated and must be set on the response.
        String v = Balancer.hashValue(with(base, Upstream.HashOn.COOKIE, Upstream.HashOn.NONE), bare, cookie);
        assertNotNull(v);
        assertEquals("sticky=" + v + "; Path=/; Same-Site=Lax; HttpOnly", cookie[0]);
    }

    private static Upstream with(Upstream u, Upstream.HashOn on, Upstream.HashOn fb) {
        return new Upstream(u.id(), u.name(), u.algorithm(), on, fb, u.hashOnHeader(), u.hashFallbackHeader(), u.hashOnCookie(),
                u.hashOnCookiePath(), u.hashOnQueryArg(), u.hashFallbackQueryArg(), u.hashOnUriCapture(),
                u.hashFallbackUriCapture(), u.slots(), u.healthchecks(), u.hostHeader(), u.clientCertificate(), u.useSrvName(),
                u.tags(), u.createdAt(), u.updatedAt());
    }

    @Test
    void leastConnectionsFavoursTheIdleTarget() {
        Upstream u = Fixtures.upstream("lc.test", Upstream.Algorithm.LEAST_CONNECTIONS);
        Balancer b = compile(u, List.of(Fixtures.target(u, "127.0.0.1:1", 100), Fixtures.target(u, "127.0.0.2:1", 100)));
        // Hold 10 requests open wherever they land: they must alternate.
        List<Pick> open = new ArrayList<>();
        Map<String, Integer> c = new HashMap<>();
        for (int i = 0; i < 10; i++) {
            Pick p = b.start(BalanceFacts.ofClient("x"));
            c.merge(p.next().target(), 1, Integer::sum);
            open.add(p);
        }
        assertEquals(5, c.get("127.0.0.1:1"));
        // Finish everything on .2 only: new requests go to .2 until the in-flight counts are level again.
        for (Pick p : open) {
            if (p.current().target().equals("127.0.0.2:1")) {
                p.release(-1);
            }
        }
        for (int i = 0; i < 5; i++) {
            assertEquals("127.0.0.2:1", b.pick(BalanceFacts.ofClient("x")).target());
        }
    }

    @Test
    void latencyFavoursTheFastTargetAndDecays() {
        Upstream u = Fixtures.upstream("lat.test", Upstream.Algorithm.LATENCY);
        Balancer b = compile(u, List.of(Fixtures.target(u, "127.0.0.1:1", 100), Fixtures.target(u, "127.0.0.2:1", 100)));
        for (Peer p : b.peers()) {
            long rtt = p.target().startsWith("127.0.0.1") ? 200_000_000L : 5_000_000L;
            Pick pick = b.start(BalanceFacts.ofClient("x"));
            // Force this peer: pick until we get it, releasing others without a sample.
            Peer got;
            do {
                got = pick.next();
            } while (got != p);
            pick.release(rtt);
        }
        Map<String, Integer> c = count(b, 100);
        assertEquals(100, c.getOrDefault("127.0.0.2:1", 0), "all to the fast one: " + c);
        // After a long idle time both averages decay towards 0; the EWMA itself is Kong's exp(-td/10s).
        Peer slow = b.peers().stream().filter(p -> p.target().startsWith("127.0.0.1")).findFirst().orElseThrow();
        double s0 = slow.score(now.get());
        now.addAndGet(10_000_000_000L);
        assertEquals(s0 * Math.exp(-1), slow.score(now.get()), 1e-6);
    }

    @Test
    void passiveThresholdsAndRecovery() {
        TargetHealth h = new TargetHealth(Fixtures.passive(3, 2), null);
        h.reportFailure(TargetHealth.Source.PASSIVE, TargetHealth.Failure.TCP);
        h.reportFailure(TargetHealth.Source.PASSIVE, TargetHealth.Failure.TCP);
        assertTrue(h.isHealthy());
        assertEquals(TargetHealth.State.MOSTLY_HEALTHY, h.state());
        h.reportSuccess(TargetHealth.Source.PASSIVE); // resets the failure counters
        h.reportFailure(TargetHealth.Source.PASSIVE, TargetHealth.Failure.TCP);
        h.reportFailure(TargetHealth.Source.PASSIVE, TargetHealth.Failure.TCP);
        assertTrue(h.isHealthy());
        h.reportFailure(TargetHealth.Source.PASSIVE, TargetHealth.Failure.TCP);
        assertFalse(h.isHealthy());
        h.reportHttpStatus(TargetHealth.Source.PASSIVE, 200);
        assertFalse(h.isHealthy());
        assertEquals(TargetHealth.State.MOSTLY_UNHEALTHY, h.state());
        h.reportHttpStatus(TargetHealth.Source.PASSIVE, 500); // a failure resets the success counter
        h.reportHttpStatus(TargetHealth.Source.PASSIVE, 200);
        assertFalse(h.isHealthy());
        h.reportHttpStatus(TargetHealth.Source.PASSIVE, 201);
        assertTrue(h.isHealthy());
        // 404 is in neither passive list: ignored.
        for (int i = 0; i < 10; i++) {
            h.reportHttpStatus(TargetHealth.Source.PASSIVE, 404);
        }
        assertTrue(h.isHealthy());
        // Thresholds of 0 disable counting: defaults never change health.
        TargetHealth off = new TargetHealth(Healthchecks.DEFAULTS, null);
        for (int i = 0; i < 100; i++) {
            off.reportFailure(TargetHealth.Source.PASSIVE, TargetHealth.Failure.TIMEOUT);
        }
        assertTrue(off.isHealthy());
        off.force(false);
        assertFalse(off.isHealthy());
        off.force(true);
        assertTrue(off.isHealthy());
    }

    @Test
    void unhealthyBalancerGivesNoPeerAndThresholdCounts() {
        Healthchecks hc = Fixtures.passive(1, 1);
        Healthchecks withThreshold = new Healthchecks(hc.active(), hc.passive(), 50);
        Upstream u = Fixtures.upstream("th.test", Upstream.Algorithm.ROUND_ROBIN, Upstream.HashOn.NONE, withThreshold);
        Balancer b = compile(u, List.of(Fixtures.target(u, "127.0.0.1:1", 100), Fixtures.target(u, "127.0.0.2:1", 100)));
        assertTrue(b.isHealthy());
        b.peers().get(0).health().force(false);
        // 50 % available is not above the 50 % threshold.
        assertFalse(b.isHealthy());
        assertNull(b.pick(BalanceFacts.ofClient("x")));
        b.peers().get(0).health().force(true);
        assertNotNull(b.pick(BalanceFacts.ofClient("x")));
        // No targets at all: unhealthy.
        Upstream empty = Fixtures.upstream("none.test", Upstream.Algorithm.ROUND_ROBIN);
        assertNull(compile(empty, List.of()).pick(BalanceFacts.ofClient("x")));
    }

    @Test
    void retriesPreferAnotherTarget() {
        Upstream u = Fixtures.upstream("retry.test", Upstream.Algorithm.ROUND_ROBIN);
        Balancer b = compile(u, List.of(Fixtures.target(u, "127.0.0.1:1", 100), Fixtures.target(u, "127.0.0.2:1", 100),
                Fixtures.target(u, "127.0.0.3:1", 100)));
        for (int i = 0; i < 50; i++) {
            Pick p = b.start(BalanceFacts.ofClient("x"));
            Peer a = p.next();
            p.failed(TargetHealth.Failure.TCP);
            Peer c = p.next();
            p.failed(TargetHealth.Failure.TCP);
            Peer d = p.next();
            assertNotEquals(a, c);
            assertNotEquals(a, d);
            assertNotEquals(c, d);
            p.release(-1);
        }
        b.peers().forEach(p -> assertEquals(0, p.inflight(), "in-flight counts are balanced"));
    }

    @Test
    void retrySafety() {
        assertTrue(Retries.allowed("GET", 1, 5, true, false), "idempotent: retried even after the request was sent");
        assertTrue(Retries.allowed("POST", 1, 5, false, false), "connect failure: nothing reached the upstream");
        assertFalse(Retries.allowed("POST", 1, 5, true, false), "POST that reached the upstream");
        assertFalse(Retries.allowed("PATCH", 1, 5, true, false));
        assertFalse(Retries.allowed("GET", 1, 5, true, true), "the client already got response bytes");
        assertFalse(Retries.allowed("GET", 6, 5, false, false), "retries exhausted: 5 retries = 6 tries");
        assertTrue(Retries.allowed("GET", 5, 5, false, false));
        assertFalse(Retries.allowed("GET", 1, 0, false, false), "retries = 0");
    }

    @Test
    void adminOverridesAndReports() {
        Upstream u = Fixtures.upstream("rep.test", Upstream.Algorithm.ROUND_ROBIN, Upstream.HashOn.NONE, Fixtures.passive(2, 1));
        Target t1 = Fixtures.target(u, "127.0.0.1:8000", 100);
        Target t0 = Fixtures.target(u, "127.0.0.2:8000", 0);
        compile(u, List.of(t1, t0));
        assertEquals("HEALTHY", registry.report(u.id(), t1).health());
        assertEquals("HEALTHCHECKS_OFF", registry.report(u.id(), t0).health());
        assertNull(registry.setHealth(u.id(), t1, null, false));
        BalancerRegistry.TargetReport r = registry.report(u.id(), t1);
        assertEquals("UNHEALTHY", r.health());
        assertEquals(0L, ((Map<?, ?>) r.data().get("weight")).get("available"));
        assertEquals("UNHEALTHY", registry.balancerReport(u.id()).get("health"));
        assertNull(registry.setHealth(u.id(), t1, "127.0.0.1:8000", true));
        assertEquals("HEALTHY", registry.balancerReport(u.id()).get("balancer_health"));
        assertNotNull(registry.setHealth(u.id(), t1, "127.0.0.9", true));
        // Health checks off: overrides are refused, as in Kong.
        Upstream off = Fixtures.upstream("off.test", Upstream.Algorithm.ROUND_ROBIN);
        Target t = Fixtures.target(off, "127.0.0.1:1", 100);
        compile(off, List.of(t));
        assertEquals("no healthchecker found for off.test", registry.setHealth(off.id(), t, null, false));
        // A host name with no resolver is a DNS error, never a blocked request.
        Upstream dns = Fixtures.upstream("dns.test", Upstream.Algorithm.ROUND_ROBIN);
        Target named = Fixtures.target(dns, "backend.invalid:80", 100);
        Balancer b = compile(dns, List.of(named));
        assertNull(b.pick(BalanceFacts.ofClient("x")));
        assertEquals("DNS_ERROR", registry.report(dns.id(), named).health());
    }

    /** Pick cost with 3 and with 1,000 targets (printed; the assertion only guards against a scan per pick gone wild). */
    @Test
    void pickCostDoesNotGrowWithTargets() {
        for (Upstream.Algorithm alg : List.of(Upstream.Algorithm.ROUND_ROBIN, Upstream.Algorithm.CONSISTENT_HASHING,
                Upstream.Algorithm.LEAST_CONNECTIONS)) {
            Balancer small = benchBalancer(alg, 3);
            Balancer large = benchBalancer(alg, 1000);
            double s = Double.MAX_VALUE;
            double l = Double.MAX_VALUE;
            for (int round = 0; round < 5; round++) { // best of 5, alternating, after warm-up
                int rounds = alg == Upstream.Algorithm.LEAST_CONNECTIONS ? 20_000 : 200_000;
                s = Math.min(s, nsPerPick(small, rounds));
                l = Math.min(l, nsPerPick(large, rounds));
            }
            System.out.printf("%s pick: %.1f ns/op with 3 targets, %.1f ns/op with 1000 targets%n", alg.wireName(), s, l);
            if (alg != Upstream.Algorithm.LEAST_CONNECTIONS) {
                assertTrue(l < s * 4 + 1000, alg + " 1000 targets: " + l + " ns vs 3 targets: " + s + " ns");
            }
        }
    }

    private Balancer benchBalancer(Upstream.Algorithm alg, int n) {
        Upstream u = Fixtures.upstream("bench-" + alg.wireName() + n + ".test", alg);
        List<Target> ts = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            ts.add(Fixtures.target(u, "10." + (i / 250) + "." + (i % 250) + ".1:80", 100));
        }
        return compile(u, ts);
    }

    private static double nsPerPick(Balancer b, int rounds) {
        BalanceFacts f = header("user-42");
        long sink = 0;
        long t0 = System.nanoTime();
        for (int i = 0; i < rounds; i++) {
            Pick p = b.start(f);
            sink += p.next().weight();
            p.release(-1);
        }
        long dt = System.nanoTime() - t0;
        assertTrue(sink > 0);
        return (double) dt / rounds;
    }
}
