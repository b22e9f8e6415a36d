package org.kongjava.core.router.bench;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import org.kongjava.config.model.EntitySet;
import org.kongjava.config.model.Route;
import org.kongjava.config.model.Service;
import org.kongjava.core.router.CompiledHttpRouter;
import org.kongjava.core.router.HeaderLookup;
import org.kongjava.core.router.RequestFacts;
import org.kongjava.core.router.RouteCorpus;
import org.kongjava.core.router.RouteMatch;

/**
 * Routing benchmark (not a unit test; see benchmarks/router/README.md): compile time for 10k routes and
 * select() cost with 1 route vs 10k routes. A plain main with warm-up rounds, not JMH: numbers are
 * indicative, compare them on one machine.
 */
public final class RouterBench {
    private static volatile long sink;
    /** Thread CPU time, not wall time: other processes on a busy machine then distort much less. */
    private static final ThreadMXBean CPU = ManagementFactory.getThreadMXBean();

    private RouterBench() {
    }

    public static void main(String[] args) {
        int n = args.length > 0 ? Integer.parseInt(args[0]) : 10_000;
        EntitySet big = RouteCorpus.generate(n);

        long[] compileNs = new long[15];
        CompiledHttpRouter router = null;
        for (int i = 0; i < compileNs.length; i++) {
            long t0 = CPU.getCurrentThreadCpuTime();
            router = CompiledHttpRouter.compile(big);
            compileNs[i] = CPU.getCurrentThreadCpuTime() - t0;
        }
        System.out.printf(Locale.ROOT, "compile %d routes (%d matchers): first %.1f ms, median of last 10 %.1f ms (CPU time)%n",
                n, router.size(), compileNs[0] / 1e6, median(Arrays.copyOfRange(compileNs, 5, 15)) / 1e6);

        // the typical request: exact host + prefix path, strip_path, service path
        int target = 1232;
        RequestFacts typical = new RequestFacts("GET", RouteCorpus.exactHost(target), "/api/" + target + "/items/42",
                HeaderLookup.NONE, null, false, 80);
        CompiledHttpRouter one = CompiledHttpRouter.compile(single(big, target));
        check(one.select(typical), RouteCorpus.routeId(target));
        check(router.select(typical), RouteCorpus.routeId(target));

        RequestFacts regex = new RequestFacts("GET", "any.test", "/re/1237/99", HeaderLookup.NONE, null, false, 80);
        CompiledHttpRouter oneRegex = CompiledHttpRouter.compile(single(big, 1237));
        check(oneRegex.select(regex), RouteCorpus.routeId(1237));
        check(router.select(regex), RouteCorpus.routeId(1237));

        RequestFacts miss = new RequestFacts("GET", "svc7.example.com", "/nothing/here", HeaderLookup.NONE, null, false, 80);
        List<RequestFacts> mixed = RouteCorpus.requests(n, 4096, 7);

        List<Case> cases = List.of(
                new Case("typical (exact host + prefix), 1 route", one, List.of(typical)),
                new Case("typical (exact host + prefix), " + n + " routes", router, List.of(typical)),
                new Case("regex route (no host), 1 route", oneRegex, List.of(regex)),
                new Case("regex route (no host), " + n + " routes", router, List.of(regex)),
                new Case("no match (404), 1 route", one, List.of(miss)),
                new Case("no match (404), " + n + " routes", router, List.of(miss)),
                new Case("mixed requests, " + n + " routes", router, mixed));
        // Cases run interleaved, round after round, so machine load drifts hit them all alike.
        int rounds = 15;
        int ops = 500_000;
        long[][] ns = new long[cases.size()][rounds];
        for (int r = -3; r < rounds; r++) { // 3 warm-up rounds
            for (int c = 0; c < cases.size(); c++) {
                long t = cases.get(c).run(ops);
                if (r >= 0) {
                    ns[c][r] = t;
                }
            }
        }
        for (int c = 0; c < cases.size(); c++) {
            System.out.printf(Locale.ROOT, "select %-45s %6.0f ns/op (CPU time, median of %d rounds of %d)%n",
                    cases.get(c).label + ":", median(ns[c]) / (double) ops, rounds, ops);
        }
    }

    private record Case(String label, CompiledHttpRouter router, List<RequestFacts> requests) {
        long run(int ops) {
            int size = requests.size();
            long acc = 0;
            long t0 = CPU.getCurrentThreadCpuTime();
            for (int i = 0; i < ops; i++) {
                RouteMatch m = router.select(requests.get(i % size));
                acc += m == null ? 1 : m.upstreamPath().length();
            }
            long t = CPU.getCurrentThreadCpuTime() - t0;
            sink += acc;
            return t;
        }
    }

    private static void check(RouteMatch m, UUID want) {
        if (m == null || !m.route().id().equals(want)) {
            throw new IllegalStateException("benchmark request did not match route " + want + ": " + m);
        }
    }

    private static EntitySet single(EntitySet big, int i) {
        Route r = big.routes().get(RouteCorpus.routeId(i));
        Service s = big.services().get(r.serviceId());
        return new EntitySet(1, Map.of(s.id(), s), Map.of(r.id(), r));
    }

    private static long median(long[] v) {
        long[] c = v.clone();
        Arrays.sort(c);
        return c[c.length / 2];
    }

}
