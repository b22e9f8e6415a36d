package org.kongjava.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.kongjava.it.support.Admin;
import org.kongjava.it.support.Closer;
import org.kongjava.it.support.EchoServer.EchoRequest;
import org.kongjava.it.support.EchoServer;
import org.kongjava.it.support.Gateway;
import org.kongjava.it.support.RawHttp;

/**
 * WebSocket upgrades through the gateway: the 101 comes back, the upstream saw {@code Connection: keep-alive,
 * Upgrade} and {@code Upgrade: websocket}, bytes flow both ways afterwards, and the tunnel survives config changes.
 */
class WebSocketTest {

    static final String KEY = "dGhlIHNhbXBsZSBub25jZQ==";
    static EchoServer echo;
    static Gateway gw;
    static Admin admin;

    @BeforeAll
    static void start() {
        echo = EchoServer.start();
        gw = Gateway.start();
        admin = gw.admin();
        admin.create("/services", Map.of("name", "ws", "url", echo.url()));
        admin.create("/services/ws/routes", Map.of("name", "ws-route", "paths", List.of("/ws")));
    }

    @AfterAll
    static void stop() {
        Closer.closeAll(gw, echo);
    }

    static RawHttp upgrade() throws IOException {
        RawHttp c = RawHttp.connect(gw.proxyPort());
        c.send("GET /ws/chat HTTP/1.1\r\nHost: ws.test\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                + "Sec-WebSocket-Key: " + KEY + "\r\nSec-WebSocket-Version: 13\r\n\r\n");
        RawHttp.Response r = c.readResponse(false);
        assertEquals(101, r.status(), () -> r + "\n" + gw.output());
        assertEquals("s3pPLMBiTxaQ9kYGzzhZRbK+xOo=", r.header("sec-websocket-accept"));
        assertEquals("websocket", r.header("upgrade").toLowerCase());
        assertEquals(EchoServer.WS_GREETING.strip(), c.readLine(), "upstream-first bytes arrive");
        return c;
    }

    @Test
    void upgradeRelaysBytesBothWays() throws IOException {
        try (RawHttp c = upgrade()) {
            EchoRequest up = echo.received().getLast();
            assertEquals("/chat", up.uri());
            assertEquals("websocket", up.header("upgrade"));
            assertTrue(up.header("connection").toLowerCase().contains("upgrade"), up::toString);
            for (int i = 0; i < 50; i++) {
                c.send("message " + i + "\n");
                assertEquals("message " + i, c.readLine());
            }
            byte[] big = new byte[256 * 1024];
            for (int i = 0; i < big.length; i++) {
                big[i] = (byte) ('a' + i % 26);
            }
            c.send(big);
            assertEquals(new String(big), new String(c.readBytes(big.length)), "256 KiB echoed intact");
        }
    }

    @Test
    void tunnelSurvivesConfigChanges() throws IOException {
        try (RawHttp c = upgrade()) {
            c.send("before\n");
            assertEquals("before", c.readLine());
            for (int i = 0; i < 50; i++) {
                admin.patch("/routes/ws-route", Map.of("tags", List.of("t" + i))).expect(200);
                admin.create("/services/ws/routes", Map.of("name", "other-" + i, "paths", List.of("/other-" + i)));
            }
            admin.patch("/services/ws", Map.of("read_timeout", 1234)).expect(200);
            for (int i = 0; i < 50; i++) {
                admin.delete("/routes/other-" + i).expect(204);
            }
            c.send("after\n");
            assertEquals("after", c.readLine(), "the established tunnel keeps its route");
        }
    }
}
