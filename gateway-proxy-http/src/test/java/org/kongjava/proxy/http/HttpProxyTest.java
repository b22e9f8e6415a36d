package org.kongjava.proxy.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpRequest;
import java.io.IOException;
import java.io.OutputStream;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.kongjava.config.model.EntitySet;
import org.kongjava.core.snapshot.RoutingSnapshot;
import org.kongjava.core.testing.LeakCheck;
import org.kongjava.core.transport.EventLoops;

/** The HTTP/1.1 proxy over real sockets: a raw-socket client, the proxy, and a Netty test backend. */
@ExtendWith(LeakCheck.class)
@Timeout(60)
class HttpProxyTest {
    static EventLoops loops;
    static TestBackend backend;
    static int closedPort;
    ProxyFixture proxy;

    @BeforeAll
    static void startBackend() throws Exception {
        loops = new EventLoops(2);
        backend = new TestBackend();
        try (ServerSocket s = new ServerSocket(0)) {
            closedPort = s.getLocalPort();
        }
    }

    @AfterAll
    static void stopBackend() {
        backend.close();
        loops.close();
    }

    @BeforeEach
    void startProxy() {
        proxy = start(HttpProxySettings.defaults());
        backend.requests.clear();
        backend.completed.clear();
        backend.downloadDoneNanos.set(0);
    }

    @AfterEach
    void stopProxy() {
        proxy.close();
    }

    private ProxyFixture start(HttpProxySettings settings) {
        return new ProxyFixture(loops, settings, ProxyFixture.standardRouter(backend.port(), closedPort));
    }

    private HttpRequest upstreamHead() throws InterruptedException {
        HttpRequest r = backend.requests.poll(5, TimeUnit.SECONDS);
        assertNotNull(r, "the backend received no request");
        return r;
    }

    private static String emptySha() throws Exception {
        return TestBackend.sha256(MessageDigest.getInstance("SHA-256"));
    }

    // ------------------------------------------------------------------ proxying

    @Test
    void getReachesTheUpstreamWithKongHeaders() throws Exception {
        try (RawClient c = new RawClient(proxy.port())) {
            c.send("GET /echo/x?a=1&b HTTP/1.1\r\nHost: example.test\r\nX-Forwarded-For: 10.9.8.7\r\n"
                    + "X-Custom: v\r\nProxy-Connection: keep-alive\r\n\r\n");
            RawClient.Response r = c.read();
            assertEquals(200, r.status());
            assertEquals("0 " + emptySha(), r.text());
            HttpRequest up = upstreamHead();
            HttpHeaders h = up.headers();
            assertEquals("/echo/x?a=1&b", up.uri());
            assertEquals("127.0.0.1:" + backend.port(), h.get("Host"));
            assertEquals("10.9.8.7, 127.0.0.1", h.get("X-Forwarded-For"));
            assertEquals("127.0.0.1", h.get("X-Real-IP"));
            assertEquals("http", h.get("X-Forwarded-Proto"));
            assertEquals("example.test", h.get("X-Forwarded-Host"));
            assertEquals(Integer.toString(proxy.port()), h.get("X-Forwarded-Port"));
            assertEquals("/echo/x", h.get("X-Forwarded-Path"));
            assertEquals("1.1 kong/3.10.0", h.get("Via"));
            assertEquals("v", h.get("X-Custom"));
            assertNull(h.get("Proxy-Connection"));
            String rid = h.get("X-Kong-Request-Id");
            assertTrue(rid != null && rid.matches("[0-9a-f]{32}"), "request id " + rid);
            assertEquals(rid, r.header("X-Kong-Request-Id"));
            assertNotNull(r.header("X-Kong-Upstream-Latency"));
            assertNotNull(r.header("X-Kong-Proxy-Latency"));
            assertEquals("1.1 kong/3.10.0", r.header("Via"));
            assertEquals("keep-alive", r.header("Connection"));
            // Same connection, second request.
            assertEquals(200, c.get("/again").status());
        }
        assertEquals(2, proxy.counters.totalRequests.sum());
    }

    @Test
    void postBodiesArriveWhole() throws Exception {
        try (RawClient c = new RawClient(proxy.port())) {
            c.send("POST /post HTTP/1.1\r\nHost: h\r\nContent-Length: 11\r\n\r\nhello world");
            RawClient.Response r = c.read();
            assertEquals(200, r.status());
            assertEquals("11 " + sha("hello world"), r.text());
            assertEquals("11", upstreamHead().headers().get("Content-Length"));

            c.send("POST /post HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n"
                    + "5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n");
            r = c.read();
            assertEquals("11 " + sha("hello world"), r.text());
            HttpRequest up = upstreamHead();
            assertEquals("chunked", up.headers().get("Transfer-Encoding"));
            assertNull(up.headers().get("Content-Length"));
        }
    }

    @Test
    void http10ClientGetsTheBodyAndAClose() throws Exception {
        try (RawClient c = new RawClient(proxy.port())) {
            c.send("GET /download?bytes=1000&chunked=1 HTTP/1.0\r\nHost: h\r\n\r\n");
            RawClient.Response r = c.read();
            assertEquals(200, r.status());
            assertEquals(1000, r.bodyBytes()); // read to EOF: no chunked framing for HTTP/1.0
            assertNull(r.header("Transfer-Encoding"));
            assertEquals("close", r.header("Connection"));
        }
    }

    // ------------------------------------------------------------------ Kong's own answers

    @Test
    void noRouteIs404AndKeepsTheConnection() throws Exception {
        proxy.holder.publish(new RoutingSnapshot(EntitySet.EMPTY, new PrefixRouter()));
        try (RawClient c = new RawClient(proxy.port())) {
            RawClient.Response r = c.get("/nothing");
            assertEquals(404, r.status());
            assertTrue(r.text().contains("\"message\":\"no Route matched with those values\""), r.text());
            assertEquals(r.header("X-Kong-Request-Id"), r.text().replaceAll("(?s).*\"request_id\":\"([0-9a-f]+)\".*", "$1"));
            assertNotNull(r.header("X-Kong-Response-Latency"));
            assertEquals(404, c.get("/still-open").status());
        }
        assertTrue(backend.requests.isEmpty());
    }

    @Test
    void routeWithoutServiceIs503() throws Exception {
        try (RawClient c = new RawClient(proxy.port())) {
            RawClient.Response r = c.get("/noservice");
            assertEquals(503, r.status());
            assertTrue(r.text().contains("no Service found with those values"), r.text());
        }
    }

    @Test
    void httpsOnlyRouteAnswers426OrRedirect() throws Exception {
        try (RawClient c = new RawClient(proxy.port())) {
            RawClient.Response r = c.get("/secure/x");
            assertEquals(426, r.status());
            assertTrue(r.text().contains("Please use HTTPS protocol"), r.text());
            c.send("GET /moved/x?q=1 HTTP/1.1\r\nHost: example.test:8000\r\n\r\n");
            r = c.read();
            assertEquals(301, r.status());
            assertEquals("https://example.test/moved/x?q=1", r.header("Location"));
        }
        assertTrue(backend.requests.isEmpty());
    }

    // ------------------------------------------------------------------ upstream failures

    @Test
    void refusedConnectionIs502AfterRetries() throws Exception {
        try (RawClient c = new RawClient(proxy.port())) {
            RawClient.Response r = c.get("/refused");
            assertEquals(502, r.status());
            assertTrue(r.text().contains("An invalid response was received from the upstream server"), r.text());
            assertEquals(200, c.get("/fine").status()); // the client connection survives
        }
    }

    @Test
    void idempotentRequestIsRetriedWhenTheUpstreamCloses() throws Exception {
        int before = backend.connections.get();
        try (RawClient c = new RawClient(proxy.port())) {
            assertEquals(502, c.get("/retry/close").status());
        }
        assertEquals(3, backend.connections.get() - before, "1 try + 2 retries");

        before = backend.connections.get();
        try (RawClient c = new RawClient(proxy.port())) {
            c.send("POST /retry/close HTTP/1.1\r\nHost: h\r\nContent-Length: 2\r\n\r\nhi");
            assertEquals(502, c.read().status());
        }
        assertEquals(1, backend.connections.get() - before, "a POST that reached the upstream is not retried");
    }

    @Test
    void malformedUpstreamResponseIs502WithoutRetry() throws Exception {
        int before = backend.connections.get();
        try (RawClient c = new RawClient(proxy.port())) {
            assertEquals(502, c.get("/retry/garbage").status());
        }
        assertEquals(1, backend.connections.get() - before);
    }

    @Test
    void slowUpstreamIs504() throws Exception {
        try (RawClient c = new RawClient(proxy.port())) {
            long t0 = System.nanoTime();
            RawClient.Response r = c.get("/slow/delay?ms=3000");
            assertEquals(504, r.status());
            assertTrue(r.text().contains("The upstream server is timing out"), r.text());
            assertTrue(System.nanoTime() - t0 < TimeUnit.MILLISECONDS.toNanos(2500), "answered at the read timeout");
            assertEquals(200, c.get("/slow/delay?ms=10").status());
        }
    }

    // ------------------------------------------------------------------ streaming

    @Test
    void bigUploadStreamsThrough() throws Exception {
        long total = 300L * 1024 * 1024;
        AtomicLong sentAt = new AtomicLong();
        MessageDigest md = MessageDigest.getInstance("SHA-256");
        try (RawClient c = new RawClient(proxy.port())) {
            c.socket.setSoTimeout(20_000);
            c.send("PUT /upload HTTP/1.1\r\nHost: h\r\nContent-Length: " + total + "\r\n\r\n");
            OutputStream out = c.out;
            byte[] buf = new byte[64 * 1024];
            for (long off = 0; off < total; off += buf.length) {
                for (int i = 0; i < buf.length; i++) {
                    buf[i] = TestBackend.pattern(off + i);
                }
                out.write(buf);
                md.update(buf);
            }
            out.flush();
            sentAt.set(System.nanoTime());
            RawClient.Response r = c.read();
            assertEquals(200, r.status());
            assertEquals(total + " " + TestBackend.sha256(md), r.text());
        }
        long first = backend.firstBodyByteNanos.get();
        assertTrue(first != 0 && first < sentAt.get(), "the upstream got body bytes before the client finished");
    }

    @Test
    void bigDownloadStreamsThrough() throws Exception {
        // 16 MB keeps the test short (the pacing once seen here was TestBackend's, see writeChunk); the
        // checksum proves every byte arrives in order.
        long total = 16L * 1024 * 1024;
        MessageDigest md = MessageDigest.getInstance("SHA-256");
        byte[] buf = new byte[26 * 4096];
        for (int i = 0; i < buf.length; i++) {
            buf[i] = TestBackend.pattern(i);
        }
        long left = total;
        while (left > 0) {
            int n = (int) Math.min(buf.length, left);
            md.update(buf, 0, n);
            left -= n;
        }
        String expected = TestBackend.sha256(md);
        try (RawClient c = new RawClient(proxy.port())) {
            c.socket.setSoTimeout(20_000);
            c.send("GET /download?bytes=" + total + " HTTP/1.1\r\nHost: h\r\n\r\n");
            // Read the head and the first body byte, and only then check whether the backend has finished.
            String status = c.line();
            assertTrue(status.startsWith("HTTP/1.1 200"), status);
            long length = -1;
            for (String l = c.line(); !l.isEmpty(); l = c.line()) {
                if (l.toLowerCase().startsWith("content-length:")) {
                    length = Long.parseLong(l.substring(15).trim());
                }
            }
            assertEquals(total, length);
            MessageDigest got = MessageDigest.getInstance("SHA-256");
            int b0 = c.in.read();
            got.update((byte) b0);
            byte[] rb = new byte[64 * 1024];
            long read = 1;
            while (read < total) {
                int r = c.in.read(rb, 0, (int) Math.min(rb.length, total - read));
                assertTrue(r > 0);
                got.update(rb, 0, r);
                read += r;
            }
            assertEquals(expected, TestBackend.sha256(got));
            assertEquals(200, c.get("/after").status());
        }
    }

    @Test
    void expectContinueIsAnsweredByTheProxy() throws Exception {
        try (RawClient c = new RawClient(proxy.port())) {
            c.send("POST /post HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n");
            assertEquals("HTTP/1.1 100 Continue", c.line());
            assertEquals("", c.line());
            c.send("abcde");
            RawClient.Response r = c.read();
            assertEquals(200, r.status());
            assertEquals("5 " + sha("abcde"), r.text());
            assertNull(upstreamHead().headers().get("Expect"));
        }
    }

    // ------------------------------------------------------------------ WebSocket

    @Test
    void websocketUpgradeRelaysBytesAndSurvivesConfigChanges() throws Exception {
        try (RawClient c = new RawClient(proxy.port())) {
            c.send("GET /ws HTTP/1.1\r\nHost: h\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                    + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n");
            RawClient.Response r = c.read();
            assertEquals(101, r.status());
            assertEquals("websocket", r.header("Upgrade"));
            HttpRequest up = upstreamHead();
            assertEquals("websocket", up.headers().get("Upgrade"));
            c.send("ping-1");
            assertEquals("ping-1", readN(c, 6));
            proxy.holder.publish(new RoutingSnapshot(EntitySet.EMPTY, new PrefixRouter())); // no routes at all
            c.send("GET / HTTP/1.1\r\n\r\n"); // raw bytes now, not a request
            assertEquals("GET / HTTP/1.1\r\n\r\n", readN(c, 18));
        }
    }

    private static String readN(RawClient c, int n) throws IOException {
        byte[] b = c.in.readNBytes(n);
        return new String(b, StandardCharsets.ISO_8859_1);
    }

    // ------------------------------------------------------------------ keep-alive and pools

    @Test
    void upstreamConnectionsAreReused() throws Exception {
        int before = backend.connections.get();
        try (RawClient c = new RawClient(proxy.port())) {
            for (int i = 0; i < 10; i++) {
                assertEquals(200, c.get("/reuse/" + i).status());
            }
        }
        try (RawClient c = new RawClient(proxy.port())) {
            assertEquals(200, c.get("/reuse/other-client").status());
        }
        int opened = backend.connections.get() - before;
        // Two event loops: a second client connection may land on the other loop with its own pool.
        assertTrue(opened >= 1 && opened <= 2, "opened " + opened);

        try (RawClient c = new RawClient(proxy.port())) {
            assertEquals(200, c.get("/conn-close").status());
            int afterClose = backend.connections.get();
            assertEquals(200, c.get("/after-close").status());
            assertEquals(1, backend.connections.get() - afterClose, "a Connection: close response is not pooled");
        }
    }

    @Test
    void keepaliveOffOpensOneUpstreamConnectionPerRequest() throws Exception {
        try (ProxyFixture p = start(ProxyFixture.settings(0, 0, 0, 0, 0, 0, 0))) {
            int before = backend.connections.get();
            try (RawClient c = new RawClient(p.port())) {
                for (int i = 0; i < 3; i++) {
                    assertEquals(200, c.get("/nopool").status());
                }
            }
            assertEquals(3, backend.connections.get() - before);
        }
    }

    @Test
    void idleUpstreamConnectionsExpire() throws Exception {
        try (ProxyFixture p = start(ProxyFixture.settings(0, 0, 0, 0, 0, -1, 200))) {
            int before = backend.connections.get();
            try (RawClient c = new RawClient(p.port())) {
                assertEquals(200, c.get("/a").status());
                assertEquals(200, c.get("/b").status());
                assertEquals(1, backend.connections.get() - before);
                Thread.sleep(600);
                assertEquals(200, c.get("/c").status());
                assertEquals(2, backend.connections.get() - before);
            }
        }
    }

    @Test
    void keepaliveRequestsLimitClosesTheClientConnection() throws Exception {
        try (ProxyFixture p = start(ProxyFixture.settings(0, 0, 0, 0, 3, -1, 0))) {
            try (RawClient c = new RawClient(p.port())) {
                assertEquals("keep-alive", c.get("/1").header("Connection"));
                assertEquals("keep-alive", c.get("/2").header("Connection"));
                assertEquals("close", c.get("/3").header("Connection"));
                assertTrue(c.closedByPeer());
            }
        }
    }

    @Test
    void idleClientConnectionIsClosedAfterKeepaliveTimeout() throws Exception {
        try (ProxyFixture p = start(ProxyFixture.settings(0, 0, 0, 300, 0, -1, 0))) {
            try (RawClient c = new RawClient(p.port())) {
                assertEquals(200, c.get("/1").status());
                long t0 = System.nanoTime();
                assertTrue(c.closedByPeer());
                assertTrue(System.nanoTime() - t0 < TimeUnit.SECONDS.toNanos(5));
            }
        }
    }

    @Test
    void countersFollowConnections() throws Exception {
        try (RawClient c = new RawClient(proxy.port())) {
            assertEquals(200, c.get("/1").status());
            assertEquals(1, proxy.counters.connectionsActive.sum());
            long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
            while (proxy.counters.connectionsBusy.sum() != 0 && System.nanoTime() < until) {
                Thread.sleep(5); // the exchange ends when the last write completes, just after the client has it
            }
            assertEquals(0, proxy.counters.connectionsBusy.sum());
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (proxy.counters.connectionsActive.sum() != 0 && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        assertEquals(0, proxy.counters.connectionsActive.sum());
        assertEquals(1, proxy.counters.connectionsAccepted.sum());
        assertEquals(1, proxy.counters.totalRequests.sum());
    }

    static String sha(String s) throws Exception {
        MessageDigest md = MessageDigest.getInstance("SHA-256");
        md.update(s.getBytes(StandardCharsets.UTF_8));
        return TestBackend.sha256(md);
    }

    static void assertClosed(RawClient c) throws IOException {
        assertTrue(c.closedByPeer(), "the proxy should have closed the connection");
    }
}
