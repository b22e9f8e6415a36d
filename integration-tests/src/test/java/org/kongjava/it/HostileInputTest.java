package org.kongjava.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.kongjava.it.support.Closer;
import org.kongjava.it.support.EchoServer;
import org.kongjava.it.support.Gateway;
import org.kongjava.it.support.Poll;
import org.kongjava.it.support.RawHttp;

/**
 * Malformed and hostile requests over raw sockets get nginx's answers (400, 414, closed), nothing reaches the
 * upstream, and a well-behaved client on its own keep-alive connection keeps getting 200 meanwhile.
 */
class HostileInputTest {

    static EchoServer echo;
    static EchoServer bystanderEcho;
    static Gateway gw;

    private Thread bystander;
    private final AtomicBoolean running = new AtomicBoolean();
    private final AtomicInteger ok = new AtomicInteger();
    private final ConcurrentLinkedQueue<String> bystanderErrors = new ConcurrentLinkedQueue<>();

    @BeforeAll
    static void start() {
        echo = EchoServer.start();
        bystanderEcho = EchoServer.start();
        gw = Gateway.builder().conf("nginx_http_client_header_timeout", "1s").start();
        gw.admin().create("/services", Map.of("name", "echo", "url", echo.url()));
        gw.admin().create("/services/echo/routes", Map.of("paths", List.of("/")));
        gw.admin().create("/services", Map.of("name", "bystander", "url", bystanderEcho.url()));
        gw.admin().create("/services/bystander/routes", Map.of("paths", List.of("/bystander")));
    }

    @AfterAll
    static void stop() {
        Closer.closeAll(gw, echo, bystanderEcho);
    }

    /** A client that keeps one keep-alive connection busy with good requests during each test. */
    @BeforeEach
    void startBystander() {
        running.set(true);
        bystander = new Thread(() -> {
            try (RawHttp c = RawHttp.connect(gw.proxyPort())) {
                while (running.get()) {
                    RawHttp.Response r = c.get("/bystander", "good.test");
                    if (r.status() != 200) {
                        bystanderErrors.add(r.toString());
                    } else {
                        ok.incrementAndGet();
                    }
                }
            } catch (IOException | RuntimeException e) {
                bystanderErrors.add(e.toString());
            }
        }, "bystander");
        bystander.start();
        Poll.until(Duration.ofSeconds(10), () -> ok.get() > 0 || !bystanderErrors.isEmpty(),
                () -> "bystander started");
    }

    @AfterEach
    void stopBystander() throws InterruptedException {
        int before = ok.get();
        Poll.until(Duration.ofSeconds(5), () -> ok.get() > before + 5
                || !bystanderErrors.isEmpty(), () -> "bystander still served after the test");
        running.set(false);
        bystander.join(10_000);
        assertTrue(bystanderErrors.isEmpty(), "the well-behaved client was disturbed: " + bystanderErrors);
    }

    /** Sends raw bytes on a new connection and returns the status, or -1 when the gateway closed without one. */
    static int statusFor(String raw) throws IOException {
        return statusFor(raw, false);
    }

    /**
     * As above; {@code bodyError} marks requests whose head is valid and whose body is not, which a streaming gateway
     * may already have forwarded (Kong buffers the body first and does not).
     */
    static int statusFor(String raw, boolean bodyError) throws IOException {
        int before = echo.requests();
        try (RawHttp c = RawHttp.connect(gw.proxyPort())) {
            c.send(raw);
            int status;
            try {
                status = c.readResponse(false).status();
            } catch (EOFException e) {
                status = -1;
            }
            if (status >= 400 || status == -1) {
                assertTrue(c.awaitClose(Duration.ofSeconds(5), null), "connection closed after a bad request");
            }
            return status;
        } finally {
            assertTrue(bodyError || before == echo.requests(), () -> "a hostile request reached the upstream: "
                    + echo.received().getLast().summary());
        }
    }

    @Test
    void contentLengthAndTransferEncodingTogether() throws IOException {
        assertEquals(400, statusFor("POST /hostile HTTP/1.1\r\nHost: h\r\nContent-Length: 4\r\n"
                + "Transfer-Encoding: chunked\r\n\r\n0\r\n\r\nGET /hostile-smuggled HTTP/1.1\r\nHost: h\r\n\r\n"));
    }

    @Test
    void twoContentLengths() throws IOException {
        assertEquals(400, statusFor("POST /hostile HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\nContent-Length: 30\r\n"
                + "\r\nabc"));
    }

    @Test
    void badChunkSize() throws IOException {
        int status = statusFor("POST /hostile HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n"
                + "zz\r\nhello\r\n0\r\n\r\n", true);
        assertTrue(status == 400 || status == -1, "400 or closed, got " + status);
    }

    @Test
    void obsoleteLineFolding() throws IOException {
        assertEquals(400, statusFor("GET /hostile HTTP/1.1\r\nHost: h\r\nX-Folded: a\r\n b\r\n\r\n"));
    }

    @Test
    void requestLineOver8kIs414() throws IOException {
        assertEquals(414, statusFor("GET /hostile/" + "a".repeat(9000) + " HTTP/1.1\r\nHost: h\r\n\r\n"));
    }

    @Test
    void headerOver8kIs400() throws IOException {
        assertEquals(400, statusFor("GET /hostile HTTP/1.1\r\nHost: h\r\nX-Big: " + "b".repeat(9000) + "\r\n\r\n"));
    }

    @Test
    void slowHeadersAreCutAtClientHeaderTimeout() throws IOException {
        try (RawHttp c = RawHttp.connect(gw.proxyPort())) {
            c.send("GET /hostile HTTP/1.1\r\nHost: h\r\n");
            long t0 = System.nanoTime();
            ByteArrayOutputStream seen = new ByteArrayOutputStream();
            boolean closed = c.awaitClose(Duration.ofSeconds(6), seen);
            long ms = (System.nanoTime() - t0) / 1_000_000;
            assertTrue(closed, "client_header_timeout 1s: the connection must be closed, still open after " + ms + " ms");
            String answer = seen.toString();
            assertTrue(answer.isEmpty() || answer.startsWith("HTTP/1.1 408"), "closed, or 408: " + answer);
            assertTrue(ms >= 500, "not before the timeout: " + ms + " ms");
        }
    }

    @Test
    void slowDripOfHeaderBytesDoesNotExtendTheTimeout() throws IOException, InterruptedException {
        try (RawHttp c = RawHttp.connect(gw.proxyPort())) {
            c.send("GET /hostile HTTP/1.1\r\nHost: h\r\n");
            long t0 = System.nanoTime();
            boolean closed = false;
            // One header byte every 200 ms: each byte arrives well within 1 s, the whole head never does.
            for (int i = 0; i < 30 && !closed; i++) {
                try {
                    c.send("X");
                } catch (IOException e) {
                    closed = true;
                    break;
                }
                closed = c.awaitClose(Duration.ofMillis(200), null);
            }
            long ms = (System.nanoTime() - t0) / 1_000_000;
            assertTrue(closed, "a drip-fed request head must be cut (client_header_timeout is for the whole head)");
            assertTrue(ms < 4000, "cut after " + ms + " ms");
        }
    }
}
