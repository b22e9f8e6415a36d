package org.kongjava.proxy.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.ServerSocket;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.kongjava.core.testing.LeakCheck;
import org.kongjava.core.transport.EventLoops;

/**
 * Requests nginx refuses: each is answered with its status and the connection closed, while another
 * client connection of the same proxy keeps working; nothing reaches the upstream.
 */
@ExtendWith(LeakCheck.class)
@Timeout(60)
class HostileInputTest {
    static EventLoops loops;
    static TestBackend backend;
    static ProxyFixture proxy;
    static ProxyFixture slowClients;

    @BeforeAll
    static void start() throws Exception {
        loops = new EventLoops(1);
        backend = new TestBackend();
        int closed;
        try (ServerSocket s = new ServerSocket(0)) {
            closed = s.getLocalPort();
        }
        proxy = new ProxyFixture(loops, ProxyFixture.settings(1000, 0, 0, 0, 0, -1, 0),
                ProxyFixture.standardRouter(backend.port(), closed));
        slowClients = new ProxyFixture(loops, ProxyFixture.settings(0, 300, 300, 0, 0, -1, 0),
                ProxyFixture.standardRouter(backend.port(), closed));
    }

    @AfterAll
    static void stop() {
        proxy.close();
        slowClients.close();
        backend.close();
        loops.close();
    }

    private static final String LONG = "x".repeat(9000);

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "CL and TE|400|POST /a HTTP/1.1\\r\\nHost: h\\r\\nContent-Length: 3\\r\\nTransfer-Encoding: chunked\\r\\n\\r\\n0\\r\\n\\r\\n",
        "TE and CL|400|POST /a HTTP/1.1\\r\\nHost: h\\r\\nTransfer-Encoding: chunked\\r\\nContent-Length: 3\\r\\n\\r\\n0\\r\\n\\r\\n",
        "two lengths|400|POST /a HTTP/1.1\\r\\nHost: h\\r\\nContent-Length: 3\\r\\nContent-Length: 4\\r\\n\\r\\nabcd",
        "bad length|400|POST /a HTTP/1.1\\r\\nHost: h\\r\\nContent-Length: 3x\\r\\n\\r\\nabc",
        "bad chunk size|400|POST /a HTTP/1.1\\r\\nHost: h\\r\\nTransfer-Encoding: chunked\\r\\n\\r\\nzz\\r\\nabc\\r\\n0\\r\\n\\r\\n",
        "obs-fold|400|GET /a HTTP/1.1\\r\\nHost: h\\r\\nX-A: 1\\r\\n  folded\\r\\n\\r\\n",
        "unknown TE|400|POST /a HTTP/1.1\\r\\nHost: h\\r\\nTransfer-Encoding: gzip\\r\\n\\r\\n",
        "TE in HTTP/1.0|400|POST /a HTTP/1.0\\r\\nHost: h\\r\\nTransfer-Encoding: chunked\\r\\n\\r\\n0\\r\\n\\r\\n",
        "no Host|400|GET /a HTTP/1.1\\r\\nX-A: 1\\r\\n\\r\\n",
        "two Hosts|400|GET /a HTTP/1.1\\r\\nHost: a\\r\\nHost: b\\r\\n\\r\\n",
        "space in header name|400|GET /a HTTP/1.1\\r\\nHost: h\\r\\nBad Header: 1\\r\\n\\r\\n",
        "body over client_max_body_size|413|POST /a HTTP/1.1\\r\\nHost: h\\r\\nContent-Length: 2000\\r\\n\\r\\n",
        "chunked body over client_max_body_size|413|POST /a HTTP/1.1\\r\\nHost: h\\r\\nTransfer-Encoding: chunked\\r\\n\\r\\n7d0\\r\\nLONG2000\\r\\n0\\r\\n\\r\\n",
        "request line over 8k|414|GET /LONG HTTP/1.1\\r\\nHost: h\\r\\n\\r\\n",
        "header line over 8k|400|GET /a HTTP/1.1\\r\\nHost: h\\r\\nX-Big: LONG\\r\\n\\r\\n",
    })
    void refusedAndClosed(String name, int status, String raw) throws Exception {
        // Bodies stream: a body found bad only while streaming (bad chunk, too long) follows a head
        // that already went upstream; everything else is refused before the upstream sees anything.
        int upstreamHeads = name.equals("bad chunk size") || name.startsWith("chunked body") ? 3 : 2;
        String request = raw.replace("\\r\\n", "\r\n").replace("LONG2000", "y".repeat(2000)).replace("LONG", LONG);
        backend.requests.clear();
        try (RawClient good = new RawClient(proxy.port()); RawClient bad = new RawClient(proxy.port())) {
            assertEquals(200, good.get("/before").status());
            bad.send(request);
            RawClient.Response r = bad.read();
            assertEquals(status, r.status(), name);
            assertEquals("close", r.header("Connection"), name);
            if (name.startsWith("header line")) {
                assertTrue(r.text().contains("Request header or cookie too large"), r.text());
            }
            assertTrue(bad.closedByPeer(), name + ": connection should be closed");
            assertEquals(200, good.get("/after").status());
        }
        assertEquals(upstreamHeads, backend.requests.size(), name + ": what reached the upstream");
    }

    @Test
    void silentClientIsClosedWithoutAnswer() throws Exception {
        try (RawClient c = new RawClient(slowClients.port())) {
            long t0 = System.nanoTime();
            assertEquals(-1, c.in.read()); // EOF, no bytes
            assertTrue(System.nanoTime() - t0 < TimeUnit.SECONDS.toNanos(5));
        }
    }

    @Test
    void slowHeadGets408() throws Exception {
        try (RawClient c = new RawClient(slowClients.port())) {
            c.send("GET /a HTTP/1.1\r\nHost: h\r\n");
            RawClient.Response r = c.read();
            assertEquals(408, r.status());
            assertTrue(c.closedByPeer());
        }
    }

    @Test
    void slowBodyGets408() throws Exception {
        try (RawClient c = new RawClient(slowClients.port())) {
            c.send("POST /a HTTP/1.1\r\nHost: h\r\nContent-Length: 10\r\n\r\nabc");
            RawClient.Response r = c.read();
            assertEquals(408, r.status());
            assertTrue(c.closedByPeer());
        }
    }
}
