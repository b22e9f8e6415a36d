package org.kongjava.proxy.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.EventLoop;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http2.Http2CodecUtil;
import io.netty.handler.codec.http2.Http2Settings;
import io.netty.handler.codec.http2.Http2StreamChannel;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.kongjava.config.conf.ListenSpec;
import org.kongjava.config.model.EntitySet;
import org.kongjava.config.schema.RouteSchema;
import org.kongjava.config.schema.ServiceSchema;
import org.kongjava.core.listener.ListenerManager;
import org.kongjava.core.metrics.ServerCounters;
import org.kongjava.core.snapshot.SnapshotCompiler;
import org.kongjava.core.snapshot.SnapshotHolder;
import org.kongjava.core.testing.LeakCheck;
import org.kongjava.core.tls.ListenerTls;
import org.kongjava.core.tls.TlsCompiler;
import org.kongjava.core.transport.EventLoops;
import org.kongjava.core.upstream.UpstreamPool;
import org.kongjava.tls.DefaultCertificates;
import org.kongjava.tls.ServerTlsContexts;
import org.kongjava.tls.TlsSettings;

/**
 * HTTP/2 on proxy listeners, over real loopback sockets: a Netty h2 client (ALPN over TLS, and prior-knowledge h2c),
 * the proxy, and the HTTP/1.1 test backend. One worker loop, so the one upstream pool can be inspected.
 */
@ExtendWith(LeakCheck.class)
@Timeout(60)
class Http2ProxyTest {
    @TempDir
    static Path dir;

    static EventLoops loops;
    static TestBackend backend;
    static ListenerManager listeners;
    static HttpProxyPipelineFactory factory;
    static ServerCounters counters = new ServerCounters();
    static int tlsPort;
    static int plainH2Port;
    /** A plain http2 address whose factory has a 300 ms keepalive_timeout. */
    static HttpProxyPipelineFactory shortIdleFactory;
    static int shortIdlePort;

    @BeforeAll
    static void start() throws Exception {
        loops = new EventLoops(1);
        backend = new TestBackend();
        int closedPort;
        try (ServerSocket s = new ServerSocket(0)) {
            closedPort = s.getLocalPort();
        }
        long now = System.currentTimeMillis() / 1000;
        EntitySet set = ServiceSchema.INSTANCE.insert(EntitySet.EMPTY,
                Map.of("name", "backend", "url", "http://127.0.0.1:" + backend.port()), now).next();
        set = ServiceSchema.INSTANCE.insert(set,
                Map.of("name", "refused", "url", "http://127.0.0.1:" + closedPort, "retries", 1), now).next();
        set = route(set, "api", "/api", "backend", now);
        set = route(set, "refused", "/refused", "refused", now);

        ListenSpec tls = new ListenSpec("proxy_listen", "127.0.0.1", 0, true, true, false, false, false, false, false, -1,
                null, null, false);
        TlsCompiler tlsCompiler = new TlsCompiler(new ServerTlsContexts(TlsSettings.DEFAULT));
        tlsCompiler.register(ListenerTls.of(tls), DefaultCertificates.ensure(dir, DefaultCertificates.Target.PROXY));
        SnapshotHolder holder = new SnapshotHolder(new SnapshotCompiler(tlsCompiler).compile(set));
        factory = new HttpProxyPipelineFactory(holder, loops, HttpProxySettings.defaults(), counters);
        listeners = new ListenerManager(loops);
        tlsPort = listeners.bind(tls, factory).localAddress().getPort();
        ListenSpec plainH2 = new ListenSpec("proxy_listen", "127.0.0.1", 0, false, true, false, false, false, false, false,
                -1, null, null, false);
        plainH2Port = listeners.bind(plainH2, factory).localAddress().getPort();
        shortIdleFactory = new HttpProxyPipelineFactory(holder, loops, ProxyFixture.settings(0, 0, 0, 300, 0, -1, 0),
                new ServerCounters());
        shortIdlePort = listeners.bind(plainH2, shortIdleFactory).localAddress().getPort();
    }

    private static EntitySet route(EntitySet set, String name, String path, String service, long now) {
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("name", name);
        r.put("paths", List.of(path));
        r.put("strip_path", false);
        r.put("service", Map.of("name", service));
        return RouteSchema.INSTANCE.insert(set, r, now).next();
    }

    @AfterAll
    static void stop() {
        listeners.close();
        factory.close();
        shortIdleFactory.close();
        backend.close();
        loops.close();
    }

    @BeforeEach
    void clear() {
        backend.requests.clear();
        backend.completed.clear();
        backend.downloadDoneNanos.set(0);
        backend.firstBodyByteNanos.set(0);
    }

    private static HttpRequest upstreamHead() throws InterruptedException {
        HttpRequest r = backend.requests.poll(10, TimeUnit.SECONDS);
        assertNotNull(r, "the backend received no request");
        return r;
    }

    private static DefaultFullHttpRequest getRequest(String path) {
        DefaultFullHttpRequest r = new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, path);
        r.headers().set("host", "h2.test");
        return r;
    }

    private static int idleUpstreams() throws Exception {
        EventLoop loop = (EventLoop) loops.workers().next();
        UpstreamPool pool = factory.pools().forLoop(loop);
        return loop.submit(pool::idleCount).get(5, TimeUnit.SECONDS);
    }

    private static void await(String what, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting until " + what);
            }
            Thread.sleep(10);
        }
    }

    @Test
    void h2ByAlpnIsProxiedToAnHttp11UpstreamWithKongHeaders() throws Exception {
        try (H2Client c = new H2Client(tlsPort, true)) {
            assertEquals("h2", c.alpn, "the proxy offers h2 on an http2 ssl address");
            H2Client.Response r = c.get("/api/hello?x=1", "x-custom", "v", "cookie", "a=1", "cookie", "b=2");
            assertEquals(200, r.status());
            assertEquals("0 " + H2Client.patternSha(0), r.body(), "the backend's answer for an empty body");
            assertNotNull(r.headers().get("x-kong-upstream-latency"), r.headers()::toString);
            assertNotNull(r.headers().get("x-kong-proxy-latency"), r.headers()::toString);
            assertNotNull(r.headers().get("x-kong-request-id"), r.headers()::toString);
            assertNull(r.headers().get("connection"), "no connection-specific header in HTTP/2");
            assertNull(r.headers().get("keep-alive"));

            HttpRequest up = upstreamHead();
            assertEquals(HttpVersion.HTTP_1_1, up.protocolVersion(), "HTTP/1.1 upstream");
            assertEquals("/api/hello?x=1", up.uri());
            assertEquals("https", up.headers().get("X-Forwarded-Proto"));
            assertEquals(Integer.toString(tlsPort), up.headers().get("X-Forwarded-Port"));
            assertEquals("h2.test", up.headers().get("X-Forwarded-Host"), ":authority is the host");
            assertEquals("v", up.headers().get("x-custom"));
            assertEquals("a=1; b=2", up.headers().get("cookie"), "HTTP/2 cookie crumbs are joined");
            assertTrue(up.headers().get("via").startsWith("2 kong/"), "Via names HTTP/2: " + up.headers().get("via"));
            assertFalse(up.headers().names().stream().anyMatch(n -> n.toLowerCase().startsWith("x-http2-")),
                    "the codec's extension headers stay inside: " + up.headers().names());
            assertNull(up.headers().get("transfer-encoding"), "a body-less request is sent without a body");
        }
    }

    @Test
    void errorsAnswerOnTheirStreamAndTheConnectionKeepsServing() throws Exception {
        try (H2Client c = new H2Client(tlsPort, true)) {
            H2Client.Response missing = c.get("/nowhere");
            assertEquals(404, missing.status());
            assertTrue(missing.body().contains("no Route matched with those values"), missing.body());
            H2Client.Response refused = c.get("/refused/x");
            assertEquals(502, refused.status());
            assertTrue(refused.body().contains("An invalid response was received from the upstream server"),
                    refused.body());
            assertTrue(c.conn.isActive(), "an error ends its stream only");
            assertEquals(200, c.get("/api/after").status());
        }
    }

    @Test
    void concurrentStreamsOnOneConnectionShareFewUpstreamConnections() throws Exception {
        try (H2Client c = new H2Client(tlsPort, true)) {
            c.get("/api/warm");
            int before = backend.connections.get();
            List<CompletableFuture<H2Client.Response>> all = new ArrayList<>();
            for (int i = 0; i < 40; i++) {
                H2Client.Collector col = new H2Client.Collector();
                c.open(col, true).writeAndFlush(getRequest("/api/delay?ms=20&i=" + i));
                all.add(col.result);
            }
            for (CompletableFuture<H2Client.Response> f : all) {
                assertEquals(200, f.get(20, TimeUnit.SECONDS).status());
            }
            int opened = backend.connections.get() - before;
            assertTrue(opened <= 40, "at most one upstream connection per concurrent stream: " + opened);
            int afterBurst = backend.connections.get();
            for (int i = 0; i < 10; i++) {
                assertEquals(200, c.get("/api/seq").status());
            }
            assertEquals(afterBurst, backend.connections.get(), "sequential streams reuse pooled upstream connections");
            assertTrue(idleUpstreams() > 0);
        }
    }

    @Test
    void largeBodiesStreamBothWays() throws Exception {
        long size = 8L << 20;
        try (H2Client c = new H2Client(tlsPort, true)) {
            for (boolean chunked : new boolean[] {false, true}) {
                H2Client.Response down = c.get("/api/download?bytes=" + size + (chunked ? "&chunked=1" : ""));
                assertEquals(200, down.status());
                assertEquals(size, down.bytes(), "every byte down (chunked=" + chunked + ")");
                assertEquals(H2Client.patternSha(size), down.sha256());

                H2Client.Response up = c.upload("/api/upload", size, chunked);
                assertEquals(200, up.status());
                assertEquals(size + " " + H2Client.patternSha(size), up.body(), "every byte up (chunked=" + chunked + ")");
                HttpRequest head = backend.completed.stream().filter(x -> x.head().uri().equals("/api/upload"))
                        .findFirst().orElseThrow().head();
                backend.completed.clear();
                assertEquals(chunked ? "chunked" : null, head.headers().get("transfer-encoding"));
                assertEquals(chunked ? null : Long.toString(size), head.headers().get("content-length"));
            }
        }
    }

    @Test
    void aClientThatStopsReadingStopsTheUpstreamRead() throws Exception {
        // The client's default 64 KB windows: the proxy may send that much, then must stop reading the upstream,
        // so the backend stalls once the socket buffers between them are full. A proxy that buffered instead
        // would keep reading, and the backend would keep sending.
        try (H2Client c = new H2Client(tlsPort, true, Http2CodecUtil.DEFAULT_WINDOW_SIZE)) {
            int closedBefore = backend.closedConnections.get();
            long sentBefore = backend.downloadSent.get();
            H2Client.Collector col = new H2Client.Collector();
            Http2StreamChannel s = c.open(col, false); // reads nothing: its window is never returned
            s.writeAndFlush(getRequest("/api/download?bytes=" + (256L << 20)));
            upstreamHead();
            long previous = -1;
            long sent = 0;
            for (int i = 0; i < 40 && sent != previous; i++) { // until a whole second without progress
                previous = sent;
                Thread.sleep(1000);
                sent = backend.downloadSent.get() - sentBefore;
            }
            assertEquals(previous, sent, "the backend stalled");
            assertTrue(sent < (64L << 20), "only socket buffers' worth left the backend: " + sent);
            assertEquals(0, backend.downloadDoneNanos.get());
            s.close().sync();
            await("the stalled upstream connection is closed",
                    () -> backend.closedConnections.get() == closedBefore + 1);
        }
    }

    @Test
    void streamResetMidUploadClosesTheUpstreamConnection() throws Exception {
        try (H2Client c = new H2Client(tlsPort, true)) {
            assertEquals(200, c.get("/api/warm").status());
            int idleBefore = idleUpstreams();
            int closedBefore = backend.closedConnections.get();
            H2Client.Collector col = new H2Client.Collector();
            Http2StreamChannel s = c.open(col, true);
            HttpRequest h = H2Client.head(HttpMethod.PUT, "/api/abandoned");
            h.headers().set("content-length", Long.toString(10L << 20));
            s.write(h);
            for (int i = 0; i < 16; i++) {
                s.writeAndFlush(new DefaultHttpContent(Unpooled.wrappedBuffer(new byte[16 * 1024])));
            }
            await("the body reaches the backend", () -> backend.firstBodyByteNanos.get() != 0);
            s.close().sync(); // RST_STREAM(CANCEL) mid-body
            await("the exchange ended", () -> counters.connectionsBusy.sum() == 0);
            await("the half-written upstream connection is closed",
                    () -> backend.closedConnections.get() == closedBefore + 1);
            assertTrue(idleUpstreams() < idleBefore || idleBefore == 0, "it was not parked in the pool");
            assertEquals(200, c.get("/api/next").status(), "the connection serves the next stream");
            assertTrue(backend.completed.stream().noneMatch(x -> x.head().uri().contains("abandoned")),
                    "the abandoned upload never completed upstream");
        }
    }

    @Test
    void streamResetMidDownloadClosesTheUpstreamConnection() throws Exception {
        try (H2Client c = new H2Client(tlsPort, true)) {
            int closedBefore = backend.closedConnections.get();
            CompletableFuture<Void> enough = new CompletableFuture<>();
            H2Client.Collector col = new H2Client.Collector() {
                @Override
                public void channelRead(ChannelHandlerContext ctx, Object msg) {
                    super.channelRead(ctx, msg);
                    if (bytes.get() > (1 << 20)) {
                        enough.complete(null);
                    }
                }
            };
            Http2StreamChannel s = c.open(col, true);
            s.writeAndFlush(getRequest("/api/download?bytes=" + (256L << 20)));
            enough.get(20, TimeUnit.SECONDS);
            s.close().sync();
            await("the exchange ended", () -> counters.connectionsBusy.sum() == 0);
            await("the half-read upstream connection is closed, not pooled",
                    () -> backend.closedConnections.get() == closedBefore + 1);
            assertEquals(0, backend.downloadDoneNanos.get(), "the upstream was not drained");
            assertEquals(200, c.get("/api/next").status());
        }
    }

    @Test
    void plainHttp2AddressServesPriorKnowledgeH2cAndHttp11() throws Exception {
        try (H2Client c = new H2Client(plainH2Port, false)) {
            H2Client.Response r = c.get("/api/clear");
            assertEquals(200, r.status());
            assertEquals("http", upstreamHead().headers().get("X-Forwarded-Proto"));
            H2Client.Response up = c.upload("/api/up", 300_000, true);
            assertEquals("300000 " + H2Client.patternSha(300_000), up.body());
        }
        try (Socket s = new Socket("127.0.0.1", plainH2Port)) {
            s.setSoTimeout(10_000);
            OutputStream out = s.getOutputStream();
            out.write("GET /api/h1 HTTP/1.1\r\nHost: h1.test\r\nConnection: close\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            InputStream in = s.getInputStream();
            String text = new String(in.readAllBytes(), StandardCharsets.ISO_8859_1);
            assertTrue(text.startsWith("HTTP/1.1 200 "), text);
        }
    }

    @Test
    void connectionsAreCountedOncePerConnectionNotPerStream() throws Exception {
        long before = counters.connectionsAccepted.sum();
        try (H2Client c = new H2Client(tlsPort, true)) {
            for (int i = 0; i < 5; i++) {
                assertEquals(200, c.get("/api/count").status());
            }
            assertEquals(before + 1, counters.connectionsAccepted.sum());
        }
    }

    @Test
    void idleConnectionIsClosedAfterKeepaliveTimeoutButNotDuringAStream() throws Exception {
        try (H2Client c = new H2Client(shortIdlePort, false)) {
            // A stream that lasts twice keepalive_timeout completes: an idle close during it would have ended the
            // exchange. (Checking isActive() afterwards would race the legitimate idle close on a slow machine.)
            assertEquals(200, c.get("/api/delay?ms=600").status());
            assertTrue(c.conn.closeFuture().await(5, TimeUnit.SECONDS), "closed once idle for keepalive_timeout");
        }
    }

    @Test
    void headerListBeyondTheHttp11HeadBoundIsRefused() throws Exception {
        try (H2Client c = new H2Client(tlsPort, true)) {
            String big = "v".repeat(40_000); // over 4 x 8 KB, the bound of an HTTP/1.1 request head
            int status;
            try {
                status = c.get("/api/big", "x-big", big).status();
            } catch (Exception | AssertionError e) {
                status = -1; // refused with a stream reset
            }
            assertTrue(status == 431 || status == -1, "refused: " + status);
            assertTrue(backend.requests.stream().noneMatch(r -> r.uri().equals("/api/big")), "never proxied");
            assertEquals(200, c.get("/api/after-big").status(), "the connection keeps serving");
            // The bound announced is the HTTP/1.1 head bound (the test backend takes no more than 8 KB of headers,
            // so a larger list that passes cannot be proxied here end to end).
            Http2Settings announced = new Http2ProxyPipeline(HttpProxySettings.defaults(), counters, () -> null)
                    .initialSettings();
            assertEquals(4L * 8192, announced.maxHeaderListSize());
            assertEquals(Http2ProxyPipeline.MAX_CONCURRENT_STREAMS, announced.maxConcurrentStreams());
        }
    }
}
