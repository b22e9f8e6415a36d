package org.kongjava.core.balance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.kongjava.config.model.Healthchecks;
import org.kongjava.config.model.Target;
import org.kongjava.config.model.Upstream;
import org.kongjava.core.testing.LeakCheck;
import org.kongjava.core.transport.EventLoops;

/** Active probes against real servers on loopback. */
@ExtendWith(LeakCheck.class)
class HealthCheckerTest {
    private EventLoops loops;
    private BalancerRegistry registry;
    private HttpServer server;
    private final AtomicInteger status = new AtomicInteger(200);
    private final AtomicInteger probes = new AtomicInteger();
    private final java.util.concurrent.atomic.AtomicReference<String> host = new java.util.concurrent.atomic.AtomicReference<>();

    @BeforeEach
    void start() throws Exception {
        loops = new EventLoops(2);
        registry = new BalancerRegistry(loops.workers(), loops.socketChannelType(), null);
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/status", ex -> {
            probes.incrementAndGet();
            host.set(ex.getRequestHeaders().getFirst("Host"));
            assertEquals("yes", ex.getRequestHeaders().getFirst("X-Probe"));
            ex.sendResponseHeaders(status.get(), -1);
            ex.close();
        });
        server.start();
    }

    @AfterEach
    void stop() {
        registry.close();
        server.stop(0);
        loops.close();
    }

    private static Healthchecks active(String type, int failures, int successes) {
        Healthchecks d = Healthchecks.DEFAULTS;
        Healthchecks.Active a = new Healthchecks.Active(type, 0.5, 10, "/status", null, true,
                java.util.Map.of("X-Probe", List.of("yes")),
                new Healthchecks.ActiveHealthy(0.05, d.active().healthy().httpStatuses(), successes),
                new Healthchecks.ActiveUnhealthy(0.05, d.active().unhealthy().httpStatuses(), failures, failures, failures));
        return new Healthchecks(a, d.passive(), 0);
    }

    private static void await(BooleanSupplier cond, String what) throws InterruptedException {
        long deadline = System.nanoTime() + 5_000_000_000L;
        while (!cond.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting for: " + what);
            }
            Thread.sleep(10);
        }
    }

    @Test
    void httpProbesFollowStatusesBothWays() throws Exception {
        Upstream u = new Upstream(java.util.UUID.randomUUID(), "probe.test", Upstream.Algorithm.ROUND_ROBIN, Upstream.HashOn.NONE,
                Upstream.HashOn.NONE, null, null, null, "/", null, null, null, null, 10000, active("http", 2, 2), null, null,
                false, null, 1, 1);
        Target t = Fixtures.target(u, "127.0.0.1:" + server.getAddress().getPort(), 100);
        Balancer b = registry.compile(Fixtures.set(u, List.of(t))).forHost("probe.test");
        Peer p = b.peers().get(0);
        await(() -> probes.get() >= 3, "probes");
        assertTrue(p.isAvailable());
        assertEquals("127.0.0.1", host.get(), "Host = the target's host name (here an IP)");
        status.set(500);
        await(() -> !p.health().isHealthy(), "unhealthy after 2 HTTP failures");
        assertEquals("UNHEALTHY", registry.report(u.id(), t).health());
        assertTrue(b.start(BalanceFacts.ofClient("x")).next() == null, "no peer while the only target is down");
        status.set(200);
        await(() -> p.health().isHealthy(), "healthy again after 2 successes");
        assertTrue(b.pick(BalanceFacts.ofClient("x")) != null);
    }

    @Test
    void tcpProbesNoticeAClosedPort() throws Exception {
        int closed;
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            closed = s.getLocalPort();
        }
        Upstream u = new Upstream(java.util.UUID.randomUUID(), "tcp.test", Upstream.Algorithm.ROUND_ROBIN, Upstream.HashOn.NONE,
                Upstream.HashOn.NONE, null, null, null, "/", null, null, null, null, 10000, active("tcp", 1, 1), null, null,
                false, null, 1, 1);
        Target up = Fixtures.target(u, "127.0.0.1:" + server.getAddress().getPort(), 100);
        Target down = Fixtures.target(u, "127.0.0.1:" + closed, 100);
        Balancer b = registry.compile(Fixtures.set(u, List.of(up, down))).forHost("tcp.test");
        Peer dead = b.peers().stream().filter(x -> x.address().getPort() == closed).findFirst().orElseThrow();
        await(() -> !dead.health().isHealthy(), "closed port marked unhealthy");
        for (int i = 0; i < 20; i++) {
            assertEquals(server.getAddress().getPort(), b.pick(BalanceFacts.ofClient("x")).address().getPort());
        }
        assertFalse(dead.isAvailable());
    }
}
