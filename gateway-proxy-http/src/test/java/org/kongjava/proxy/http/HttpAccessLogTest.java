package org.kongjava.proxy.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.kongjava.core.accesslog.AccessLog;
import org.kongjava.core.accesslog.AccessLogWriter;
import org.kongjava.core.testing.LeakCheck;
import org.kongjava.core.transport.EventLoops;

/** {@code proxy_access_log} lines of the proxy handler: one per exchange, with the status and body bytes sent. */
@ExtendWith(LeakCheck.class)
class HttpAccessLogTest {
    static EventLoops loops;
    static TestBackend backend;
    static ProxyFixture proxy;
    static AccessLogWriter writer;
    static Path file;

    @BeforeAll
    static void start() throws Exception {
        loops = new EventLoops(1);
        backend = new TestBackend();
        int closed;
        try (ServerSocket s = new ServerSocket(0)) {
            closed = s.getLocalPort();
        }
        proxy = new ProxyFixture(loops, ProxyFixture.settings(0, 0, 0, 0, 0, -1, 0),
                ProxyFixture.standardRouter(backend.port(), closed));
        file = Files.createTempFile("access", ".log");
        writer = new AccessLogWriter(file, 1000);
        proxy.factory.accessLog(AccessLog.to(writer));
    }

    @AfterAll
    static void stop() throws IOException {
        proxy.close();
        backend.close();
        loops.close();
        writer.close();
        Files.deleteIfExists(file);
    }

    /** Waits for the line of the request whose target contains {@code marker}. */
    private static String line(String marker) throws Exception {
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (System.nanoTime() < deadline) {
            for (String l : Files.readAllLines(file, StandardCharsets.US_ASCII)) {
                if (l.contains(marker)) {
                    return l;
                }
            }
            Thread.sleep(20);
        }
        throw new AssertionError("no line with " + marker + " in:\n" + Files.readString(file));
    }

    @Test
    void keepAliveRequestsEachGetALineWithTheirBodyBytes() throws Exception {
        try (RawClient c = new RawClient(proxy.port())) {
            RawClient.Response a = c.get("/a/download?bytes=100000&chunked=1&m=ka1");
            RawClient.Response b = c.get("/a/download?bytes=7&m=ka2");
            assertEquals(200, a.status());
            assertEquals(200, b.status());
            String la = line("m=ka1");
            assertTrue(la.matches("127\\.0\\.0\\.1 - - \\[[^]]+] \"GET /a/download\\?bytes=100000&chunked=1&m=ka1 HTTP/1\\.1\""
                    + " 200 100000 \"-\" \"-\" kong_request_id: \"" + a.header("X-Kong-Request-Id") + "\""), la);
            assertTrue(line("m=ka2").contains("\" 200 7 \"-\""), line("m=ka2"));
        }
    }

    @Test
    void errorStatusesAreLogged() throws Exception {
        try (RawClient c = new RawClient(proxy.port())) {
            RawClient.Response r = c.get("/refused?m=e502");
            assertEquals(502, r.status());
            assertTrue(line("m=e502").contains("\" 502 " + r.body().length + " "), line("m=e502"));
        }
        try (RawClient c = new RawClient(proxy.port())) {
            RawClient.Response r = c.get("/noservice?m=e503");
            assertEquals(503, r.status());
            assertTrue(line("m=e503").contains("\" 503 " + r.body().length + " "), line("m=e503"));
        }
    }

    @Test
    void malformedRequestIsLoggedAs400WithEscapes() throws Exception {
        try (RawClient c = new RawClient(proxy.port())) {
            c.send("GET /bad\"q?m=mal HTTP/1.1\r\nHost: x\r\nUser-Agent: a\tb\r\nContent-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n");
            RawClient.Response r = c.read();
            assertEquals(400, r.status());
        }
        String l = line("m=mal");
        assertTrue(l.contains("\"GET /bad\\x22q?m=mal HTTP/1.1\" 400 "), l);
        assertTrue(l.contains("\"a\\x09b\""), l);
    }

    @Test
    void clientLeavingBeforeTheAnswerIs499() throws Exception {
        try (RawClient c = new RawClient(proxy.port())) {
            c.send("GET /a/delay?ms=500&m=gone HTTP/1.1\r\nHost: x\r\n\r\n");
            Thread.sleep(100);
        }
        String l = line("m=gone");
        assertTrue(l.contains("\" 499 0 \""), l);
    }

    @Test
    void nothingDroppedAtThisPace() throws Exception {
        try (RawClient c = new RawClient(proxy.port())) {
            for (int i = 0; i < 50; i++) {
                assertEquals(200, c.get("/a?m=pace" + i).status());
            }
        }
        line("m=pace49");
        assertEquals(0, writer.dropped());
    }
}
