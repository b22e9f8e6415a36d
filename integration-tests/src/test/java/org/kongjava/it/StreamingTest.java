package org.kongjava.it;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.kongjava.it.support.Closer;
import org.kongjava.it.support.EchoServer.EchoRequest;
import org.kongjava.it.support.EchoServer;
import org.kongjava.it.support.Gateway;
import org.kongjava.it.support.Poll;
import org.kongjava.it.support.RawHttp;

/**
 * Bodies stream: with {@code request_buffering=false} the upstream reads the start of a body the client has not
 * finished sending; with {@code response_buffering=false} the client reads the first chunk of a response the
 * upstream has not finished. Both are observed, not timed: the other side is held until the test sees the bytes.
 */
class StreamingTest {

    static EchoServer echo;
    static Gateway gw;

    @BeforeAll
    static void start() {
        echo = EchoServer.start();
        gw = Gateway.start();
        gw.admin().create("/services", Map.of("name", "echo", "url", echo.url()));
        gw.admin().create("/services/echo/routes", Map.of("paths", List.of("/stream"),
                "request_buffering", false, "response_buffering", false));
    }

    @AfterAll
    static void stop() {
        Closer.closeAll(gw, echo);
    }

    @Test
    void requestBodyReachesTheUpstreamBeforeTheClientFinishes() throws IOException {
        long before = echo.bodyBytesRead();
        try (RawHttp c = RawHttp.connect(gw.proxyPort())) {
            c.send("POST /stream/up HTTP/1.1\r\nHost: s.test\r\nTransfer-Encoding: chunked\r\n\r\n"
                    + "1000\r\n" + "a".repeat(4096) + "\r\n");
            Poll.until(Duration.ofSeconds(10), () -> echo.bodyBytesRead() - before >= 4096,
                    () -> "the first 4096 body bytes reached the upstream while the client is still sending ("
                            + (echo.bodyBytesRead() - before) + " so far)");
            c.send("400\r\n" + "b".repeat(1024) + "\r\n0\r\n\r\n");
            RawHttp.Response r = c.readResponse(false);
            assertEquals(200, r.status(), r::toString);
            assertEquals(5120, EchoRequest.parse(r.bodyText()).bodyLength());
        }
    }

    @Test
    void responseBodyReachesTheClientBeforeTheUpstreamFinishes() throws IOException {
        try (RawHttp c = RawHttp.connect(gw.proxyPort())) {
            c.send("GET /stream/down HTTP/1.1\r\nHost: s.test\r\nX-Echo-Chunked-Hold: down\r\n\r\n");
            String status = c.readLine();
            assertEquals("HTTP/1.1 200 Echo", status);
            boolean chunked = false;
            String line;
            while (!(line = c.readLine()).isEmpty()) {
                chunked |= line.toLowerCase().startsWith("transfer-encoding:") && line.toLowerCase().contains("chunked");
            }
            assertEquals(true, chunked, "an upstream chunked body of unknown length is sent chunked");
            // The upstream is holding the rest: these bytes can only arrive if the gateway forwards as it reads.
            StringBuilder first = new StringBuilder();
            while (!first.toString().contains("first")) {
                String l = c.readLine();
                if (l == null) {
                    throw new AssertionError("closed before the first chunk");
                }
                first.append(l).append('\n');
            }
            echo.release("down");
            StringBuilder rest = new StringBuilder();
            while (!(line = c.readLine()).equals("0")) {
                rest.append(line).append('\n');
            }
            assertEquals(true, rest.toString().contains("rest"), rest::toString);
        }
    }
}
