package org.kongjava.core.balance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.kongjava.config.model.Target;
import org.kongjava.config.model.Upstream;

/**
 * Picks on several threads while the configuration is recompiled and health flips on another: every pick
 * sees a consistent ring (never a peer that is down for good, never null while one target stays healthy),
 * and in-flight counts return to zero.
 */
class ConcurrencyTest {

    @Test
    void picksStayConsistentUnderReconfigurationAndHealthFlips() throws Exception {
        for (Upstream.Algorithm alg : Upstream.Algorithm.values()) {
            run(alg);
        }
    }

    private void run(Upstream.Algorithm alg) throws Exception {
        BalancerRegistry registry = BalancerRegistry.detached();
        Upstream u = Fixtures.upstream("c-" + alg.wireName() + ".test", alg, alg == Upstream.Algorithm.CONSISTENT_HASHING
                ? Upstream.HashOn.IP : Upstream.HashOn.NONE, Fixtures.passive(1, 1));
        Target stable = Fixtures.target(u, "127.0.0.1:1", 100);
        Target flappy = Fixtures.target(u, "127.0.0.2:1", 100);
        Balancer b = registry.compile(Fixtures.set(u, List.of(stable, flappy))).forHost(u.name());
        AtomicBoolean stop = new AtomicBoolean();
        AtomicInteger nulls = new AtomicInteger();
        AtomicInteger picks = new AtomicInteger();
        AtomicReference<Throwable> failure = new AtomicReference<>();
        CountDownLatch started = new CountDownLatch(4);
        List<Thread> threads = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            int id = i;
            Thread t = new Thread(() -> {
                started.countDown();
                try {
                    while (!stop.get()) {
                        Pick p = b.start(BalanceFacts.ofClient("10.0.0." + (picks.get() % 50) + id));
                        Peer peer = p.next();
                        if (peer == null) {
                            nulls.incrementAndGet();
                        } else {
                            picks.incrementAndGet();
                            p.release(1_000_000);
                        }
                    }
                } catch (Throwable e) {
                    failure.set(e);
                }
            });
            t.start();
            threads.add(t);
        }
        started.await();
        Peer flappyPeer = b.peers().stream().filter(p -> p.target().equals(flappy.target())).findFirst().orElseThrow();
        for (int i = 0; i < 300; i++) {
            flappyPeer.health().force(i % 2 == 0);
            int w = 1 + (i % 7) * 10;
            Target rew = new Target(flappy.id(), u.id(), flappy.target(), w, null, flappy.createdAtMillis(), i + 2L);
            registry.compile(Fixtures.set(u, List.of(stable, rew)));
        }
        stop.set(true);
        for (Thread t : threads) {
            t.join();
        }
        assertEquals(null, failure.get());
        assertEquals(0, nulls.get(), alg + ": the stable target was always available");
        assertTrue(picks.get() > 1000, alg + ": picks " + picks.get());
        for (Peer p : b.peers()) {
            assertEquals(0, p.inflight(), alg + ": in-flight back to zero");
        }
        assertFalse(b.peers().isEmpty());
        registry.close();
    }
}
