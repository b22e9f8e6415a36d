package org.kongjava.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.kongjava.it.support.Admin;
import org.kongjava.it.support.EchoServer.EchoRequest;
import org.kongjava.it.support.EchoServer;
import org.kongjava.it.support.Gateway;
import org.kongjava.it.support.KongJava;
import org.kongjava.it.support.Poll;
import org.kongjava.it.support.RawHttp;

/** The CLI lifecycle: version, start (foreground and --daemon), health, stop, quit with a request in flight. */
class CliTest {

    /** Own threads: the common pool may have a single thread on a 2-CPU machine, and these tasks block. */
    static final ExecutorService THREADS = Executors.newCachedThreadPool();
    static EchoServer echo;

    @BeforeAll
    static void start() {
        echo = EchoServer.start();
    }

    @AfterAll
    static void stop() {
        THREADS.shutdownNow();
        echo.close();
    }

    @Test
    void version() {
        KongJava.Result r = KongJava.run("version");
        assertEquals(0, r.exit(), r::toString);
        assertTrue(r.stdout().matches("(?s).*\\d+\\.\\d+.*"), r::toString);
    }

    @Test
    void firstProxiedRequestSoonAfterStart() throws IOException {
        long t0 = System.nanoTime();
        try (Gateway gw = Gateway.start()) {
            Admin admin = gw.admin();
            admin.create("/services", Map.of("name", "first", "url", echo.url()));
            admin.create("/services/first/routes", Map.of("paths", List.of("/first")));
            try (RawHttp c = RawHttp.connect(gw.proxyPort())) {
                assertEquals(200, c.get("/first", "first.test").status());
            }
            long ms = (System.nanoTime() - t0) / 1_000_000;
            System.out.printf("start -> listeners.json %d ms; start -> first proxied 200 %d ms%n",
                    gw.startMillis(), ms);
            assertTrue(ms < 30_000, "first proxied request " + ms + " ms after start");
        }
    }

    @Test
    void healthStopAndHealthAgain() {
        try (Gateway gw = Gateway.start()) {
            KongJava.Result health = KongJava.run("health", "-p", gw.prefix().toString());
            assertEquals(0, health.exit(), health::toString);

            KongJava.Result stop = KongJava.run("stop", "-p", gw.prefix().toString());
            assertEquals(0, stop.exit(), stop::toString);
            Poll.until(Duration.ofSeconds(10), () -> !gw.isAlive(), () -> "the gateway process exits after stop");
            assertFalse(accepts(gw.proxyPort()), "the proxy port is closed");

            KongJava.Result after = KongJava.run("health", "-p", gw.prefix().toString());
            assertEquals(1, after.exit(), after::toString);
            assertTrue(after.stderr().startsWith("Error: "), after::toString);
        }
    }

    @Test
    void healthOnAPrefixWithNothingRunning() {
        Gateway.Prepared p = Gateway.builder().prepare();
        try {
            KongJava.Result r = KongJava.run("health", "-p", p.prefix().toString());
            assertEquals(1, r.exit(), r::toString);
            assertTrue(r.stderr().startsWith("Error: "), r::toString);
        } finally {
            p.kill();
        }
    }

    @Test
    void quitStopsAcceptingAndLetsTheInFlightRequestFinish() throws Exception {
        try (Gateway gw = Gateway.start()) {
            Admin admin = gw.admin();
            admin.create("/services", Map.of("name", "slow", "url", echo.url()));
            admin.create("/services/slow/routes", Map.of("paths", List.of("/slow")));
            int before = echo.inFlight();
            // The upstream holds the answer until the test releases it, so the request is in flight for sure.
            CompletableFuture<RawHttp.Response> inFlight = CompletableFuture.supplyAsync(() -> {
                try (RawHttp c = RawHttp.connect(gw.proxyPort())) {
                    c.setReadTimeout(Duration.ofSeconds(30));
                    c.send("GET /slow/x HTTP/1.1\r\nHost: quit.test\r\nX-Echo-Hold: quit\r\n\r\n");
                    return c.readResponse(false);
                } catch (IOException e) {
                    throw new RuntimeException(e);
                }
            }, THREADS);
            Poll.until(Duration.ofSeconds(10), () -> echo.inFlight() > before, () -> "the request reached the upstream");

            long t0 = System.nanoTime();
            CompletableFuture<KongJava.Result> quit = CompletableFuture.supplyAsync(() -> KongJava.run(
                    Duration.ofSeconds(40), Map.of(), "quit", "-p", gw.prefix().toString(), "--timeout", "20"), THREADS);
            Poll.until(Duration.ofSeconds(15), () -> !accepts(gw.proxyPort()) || quit.isDone(),
                    () -> "the proxy listener stops accepting while a request drains\n" + gw.output());
            assertFalse(quit.isDone(), () -> "quit returned while a request was in flight: " + quit.join());
            assertTrue(gw.isAlive(), "the gateway waits for the in-flight request");
            assertFalse(inFlight.isDone(), "the in-flight request is not cut");

            echo.release("quit");
            RawHttp.Response r = inFlight.get(20, TimeUnit.SECONDS);
            assertEquals(200, r.status(), () -> r + "\n" + gw.output());
            assertEquals("/x", EchoRequest.parse(r.bodyText()).uri());
            KongJava.Result q = quit.get(40, TimeUnit.SECONDS);
            long ms = (System.nanoTime() - t0) / 1_000_000;
            assertEquals(0, q.exit(), q::toString);
            Poll.until(Duration.ofSeconds(10), () -> !gw.isAlive(), () -> "the gateway exits after quit");
            assertTrue(ms < 18_000, "quit returned once drained, not at its 20 s timeout: " + ms + " ms");
        }
    }

    @Test
    void quitTimeoutCutsARequestThatNeverEnds() throws Exception {
        try (Gateway gw = Gateway.start()) {
            Admin admin = gw.admin();
            admin.create("/services", Map.of("name", "stuck", "url", echo.url()));
            admin.create("/services/stuck/routes", Map.of("paths", List.of("/stuck")));
            int before = echo.inFlight();
            RawHttp c = RawHttp.connect(gw.proxyPort());
            try {
                c.send("GET /stuck HTTP/1.1\r\nHost: quit.test\r\nX-Echo-Hold: never\r\n\r\n");
                Poll.until(Duration.ofSeconds(10), () -> echo.inFlight() > before, () -> "request in flight");
                KongJava.Result q = KongJava.run(Duration.ofSeconds(30), Map.of(), "quit", "-p",
                        gw.prefix().toString(), "--timeout", "1");
                assertEquals(0, q.exit(), q::toString);
                Poll.until(Duration.ofSeconds(10), () -> !gw.isAlive(), () -> "the gateway exits after the quit timeout");
                assertTrue(c.awaitClose(Duration.ofSeconds(5), null), "the stuck client connection is closed");
            } finally {
                c.close();
                echo.release("never");
            }
        }
    }

    @Test
    void daemonStartReturnsAndStopEndsIt() throws IOException {
        Gateway.Prepared p = Gateway.builder().prepare();
        try {
            KongJava.Result start = p.run(Duration.ofSeconds(60), "start", "--daemon", "-c", p.conf().toString(),
                    "-p", p.prefix().toString());
            assertEquals(0, start.exit(), start::toString);
            List<Gateway.Listener> listeners = p.listeners()
                    .orElseThrow(() -> new AssertionError("--daemon returned before listeners.json was written"));
            int proxy = listeners.stream().filter(l -> l.key().equals("proxy_listen")).findFirst().orElseThrow().port();
            try (RawHttp c = RawHttp.connect(proxy)) {
                assertEquals(404, c.get("/", "daemon.test").status());
            }
            assertEquals(0, KongJava.run("health", "-p", p.prefix().toString()).exit());

            KongJava.Result again = p.run(Duration.ofSeconds(60), "start", "-c", p.conf().toString(),
                    "-p", p.prefix().toString());
            assertEquals(1, again.exit(), "a second start on a running prefix is refused: " + again);
            assertTrue(again.stderr().contains("already running"), again::toString);

            KongJava.Result stop = KongJava.run("stop", "-p", p.prefix().toString());
            assertEquals(0, stop.exit(), stop::toString);
            assertNotEquals(0, KongJava.run("health", "-p", p.prefix().toString()).exit());
            assertFalse(accepts(proxy));
        } finally {
            p.kill();
        }
    }

    static boolean accepts(int port) {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 500);
            return true;
        } catch (ConnectException e) {
            return false;
        } catch (IOException e) {
            return false;
        }
    }
}
