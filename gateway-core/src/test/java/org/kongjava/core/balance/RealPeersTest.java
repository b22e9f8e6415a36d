package org.kongjava.core.balance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.kongjava.config.model.Healthchecks;
import org.kongjava.config.model.Target;
import org.kongjava.config.model.Upstream;
import org.kongjava.core.testing.LeakCheck;
import org.kongjava.core.transport.EventLoops;

/**
 * The balancer's contract with real peers: three HTTP servers on loopback, requests sent the way the proxy
 * uses a {@link Pick} (connect, on failure report and retry on another peer within {@link Retries}), active
 * and passive checks on. Killing one server under a steady load loses no request; the health report shows
 * it unhealthy; bringing it back restores it.
 */
@ExtendWith(LeakCheck.class)
class RealPeersTest {
    private EventLoops loops;
    private BalancerRegistry registry;
    private final List<HttpServer> servers = new ArrayList<>();
    private final Map<Integer, AtomicInteger> hits = new ConcurrentHashMap<>();

    @BeforeEach
    void start() throws IOException {
        loops = new EventLoops(2);
        registry = new BalancerRegistry(loops.workers(), loops.socketChannelType(), null);
        for (int i = 0; i < 3; i++) {
            servers.add(server(0));
        }
    }

    private HttpServer server(int port) throws IOException {
        HttpServer s = HttpServer.create(new InetSocketAddress("127.0.0.1", port), 50);
        int p = s.getAddress().getPort();
        s.createContext("/", ex -> {
            hits.computeIfAbsent(p, k -> new AtomicInteger()).incrementAndGet();
            byte[] body = "ok".getBytes(StandardCharsets.US_ASCII);
            ex.sendResponseHeaders(200, body.length);
            ex.getResponseBody().write(body);
            ex.close();
        });
        s.start();
        return s;
    }

    @AfterEach
    void stop() {
        registry.close();
        servers.forEach(s -> s.stop(0));
        loops.close();
    }

    private static Healthchecks checks() {
        Healthchecks d = Healthchecks.DEFAULTS;
        return new Healthchecks(
                new Healthchecks.Active("http", 0.5, 10, "/", null, true, null,
                        new Healthchecks.ActiveHealthy(0.1, d.active().healthy().httpStatuses(), 1),
                        new Healthchecks.ActiveUnhealthy(0.1, d.active().unhealthy().httpStatuses(), 1, 1, 1)),
                new Healthchecks.Passive("http", new Healthchecks.PassiveHealthy(d.passive().healthy().httpStatuses(), 0),
                        new Healthchecks.PassiveUnhealthy(d.passive().unhealthy().httpStatuses(), 1, 1, 1)),
                0);
    }

    private Balancer balancer(Healthchecks hc, int... weights) {
        Upstream u = new Upstream(UUID.randomUUID(), "peers.test", Upstream.Algorithm.ROUND_ROBIN, Upstream.HashOn.NONE,
                Upstream.HashOn.NONE, null, null, null, "/", null, null, null, null, 10000, hc, null, null, false, null, 1, 1);
        List<Target> ts = new ArrayList<>();
        for (int i = 0; i < servers.size(); i++) {
            ts.add(Fixtures.target(u, "127.0.0.1:" + servers.get(i).getAddress().getPort(), weights[i]));
        }
        this.upstreamId = u.id();
        this.targets = ts;
        return registry.compile(Fixtures.set(u, ts)).forHost("peers.test");
    }

    private UUID upstreamId;
    private List<Target> targets;

    /** One GET through the balancer, with up to 5 retries; returns the status, or -1 when every try failed. */
    private static int get(Balancer b) {
        Pick pick = b.start(BalanceFacts.ofClient("127.0.0.1"));
        int tries = 0;
        while (true) {
            Peer p = pick.next();
            if (p == null) {
                return -1;
            }
            tries++;
            long t0 = System.nanoTime();
            boolean sent = false;
            try (Socket s = new Socket()) {
                s.connect(p.address(), 500);
                s.setSoTimeout(2000);
                OutputStream out = s.getOutputStream();
                out.write("GET / HTTP/1.0\r\nHost: peers.test\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                out.flush();
                sent = true;
                InputStream in = s.getInputStream();
                String head = new String(in.readNBytes(12), StandardCharsets.US_ASCII);
                int status = Integer.parseInt(head.substring(9, 12));
                pick.responded(status);
                pick.release(System.nanoTime() - t0);
                return status;
            } catch (IOException | RuntimeException e) {
                pick.failed(TargetHealth.Failure.TCP);
                if (!Retries.allowed("GET", tries, 5, sent, false)) {
                    return -1;
                }
            }
        }
    }

    @Test
    void distributionFollowsWeights() {
        Balancer b = balancer(Healthchecks.DEFAULTS, 100, 100, 200);
        for (int i = 0; i < 400; i++) {
            assertEquals(200, get(b));
        }
        assertEquals(100, hits.get(servers.get(0).getAddress().getPort()).get());
        assertEquals(100, hits.get(servers.get(1).getAddress().getPort()).get());
        assertEquals(200, hits.get(servers.get(2).getAddress().getPort()).get());
    }

    @Test
    void killingOneUnderLoadLosesNothingAndItComesBack() throws Exception {
        Balancer b = balancer(checks(), 100, 100, 100);
        AtomicBoolean stop = new AtomicBoolean();
        AtomicInteger ok = new AtomicInteger();
        AtomicInteger failed = new AtomicInteger();
        List<Thread> clients = new ArrayList<>();
        for (int c = 0; c < 4; c++) {
            Thread t = new Thread(() -> {
                while (!stop.get()) {
                    if (get(b) == 200) {
                        ok.incrementAndGet();
                    } else {
                        failed.incrementAndGet();
                    }
                }
            });
            t.start();
            clients.add(t);
        }
        try {
            Thread.sleep(300);
            int port = servers.get(1).getAddress().getPort();
            Target victim = targets.get(1);
            servers.get(1).stop(0);
            long killed = System.nanoTime();
            while (!"UNHEALTHY".equals(registry.report(upstreamId, victim).health())) {
                assertTrue(System.nanoTime() - killed < 3_000_000_000L, "marked unhealthy within the thresholds");
                Thread.sleep(10);
            }
            int hitsWhileDown = hits.get(port).get();
            Thread.sleep(300);
            assertEquals(hitsWhileDown, hits.get(port).get(), "no traffic to the dead target");
            servers.set(1, server(port));
            long back = System.nanoTime();
            while (!"HEALTHY".equals(registry.report(upstreamId, victim).health())) {
                assertTrue(System.nanoTime() - back < 3_000_000_000L, "healthy again after one active success");
                Thread.sleep(10);
            }
            int before = hits.get(port).get();
            Thread.sleep(300);
            assertTrue(hits.get(port).get() > before, "traffic returns to the restored target");
        } finally {
            stop.set(true);
            for (Thread t : clients) {
                t.join();
            }
        }
        assertEquals(0, failed.get(), "failed client requests (ok: " + ok.get() + ")");
        assertTrue(ok.get() > 100);
    }
}
