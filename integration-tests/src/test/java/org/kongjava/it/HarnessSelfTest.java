package org.kongjava.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.kongjava.it.support.Curl;
import org.kongjava.it.support.EchoServer.EchoRequest;
import org.kongjava.it.support.EchoServer;
import org.kongjava.it.support.NginxPeer;
import org.kongjava.it.support.RawHttp;

/** The harness against itself, without a gateway: a failure here is a harness bug, not a gateway bug. */
class HarnessSelfTest {

    @Test
    void echoServerReportsHeadersExactlyAndKeepsTheConnection() throws Exception {
        try (EchoServer echo = EchoServer.start(); RawHttp c = RawHttp.connect(echo.port())) {
            c.send("POST /a/b?x=1 HTTP/1.1\r\nHost: h\r\nX-Dup: 1\r\nx-dup: 2\r\nContent-Length: 5\r\n\r\nhello");
            RawHttp.Response r = c.readResponse(false);
            EchoRequest seen = EchoRequest.parse(r.bodyText());
            assertEquals("/a/b?x=1", seen.uri());
            assertEquals(java.util.List.of("1", "2"), seen.headerValues("x-dup"));
            assertEquals(5, seen.bodyLength());
            RawHttp.Response again = c.get("/again", "h");
            assertEquals(200, again.status());
            assertEquals(1, echo.connections(), "keep-alive");
            assertEquals(2, echo.requests());
        }
    }

    @Test
    void echoServerFailsOnRequestAndUpgradesWebSockets() throws Exception {
        try (EchoServer echo = EchoServer.start()) {
            echo.failNextRequests(1);
            try (RawHttp c = RawHttp.connect(echo.port())) {
                c.send("GET / HTTP/1.1\r\nHost: h\r\n\r\n");
                assertTrue(c.awaitClose(Duration.ofSeconds(5), null));
            }
            try (RawHttp c = RawHttp.connect(echo.port())) {
                c.send("GET /ws HTTP/1.1\r\nHost: h\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                        + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n");
                RawHttp.Response r = c.readResponse(false);
                assertEquals(101, r.status());
                assertEquals("s3pPLMBiTxaQ9kYGzzhZRbK+xOo=", r.header("sec-websocket-accept"));
                assertEquals(EchoServer.WS_GREETING.strip(), c.readLine());
                c.send("ping\n");
                assertEquals("ping", c.readLine());
            }
        }
    }

    @Test
    void nginxPeerServesFilesAndCurlReportsThem() throws Exception {
        try (NginxPeer nginx = NginxPeer.start("location / { }")) {
            Files.writeString(nginx.root().resolve("hello.txt"), "hi there");
            Curl.Result r = Curl.run(nginx.url() + "/hello.txt");
            assertEquals(200, r.status(), r::toString);
            assertEquals("hi there", r.body());
            assertTrue(r.header("server").startsWith("nginx"), r::toString);
        }
    }
}
