package org.kongjava.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.kongjava.it.support.Closer;
import org.kongjava.it.support.EchoServer.EchoRequest;
import org.kongjava.it.support.EchoServer;
import org.kongjava.it.support.Gateway;
import org.kongjava.it.support.RawHttp;

/** Headers the upstream receives from an untrusted client (trusted_ips unset, Kong's default). */
class ProxyHeadersTest {

    static EchoServer echo;
    static Gateway gw;

    @BeforeAll
    static void start() {
        echo = EchoServer.start();
        gw = Gateway.start();
        gw.admin().create("/services", Map.of("name", "echo", "url", echo.url()));
        gw.admin().create("/services/echo/routes", Map.of("paths", List.of("/h"), "strip_path", false));
    }

    @AfterAll
    static void stop() {
        Closer.closeAll(gw, echo);
    }

    static EchoRequest send(String... headers) throws IOException {
        try (RawHttp c = RawHttp.connect(gw.proxyPort())) {
            StringBuilder sb = new StringBuilder("GET /h/p?q=1 HTTP/1.1\r\nHost: Headers.Test:8000\r\n");
            for (String h : headers) {
                sb.append(h).append("\r\n");
            }
            c.send(sb.append("\r\n").toString());
            RawHttp.Response r = c.readResponse(false);
            assertEquals(200, r.status(), r::toString);
            return EchoRequest.parse(r.bodyText());
        }
    }

    @Test
    void forwardedHeadersFromAnUntrustedClientAreReplaced() throws IOException {
        EchoRequest up = send("X-Forwarded-For: 10.0.0.1", "X-Forwarded-Proto: https", "X-Forwarded-Host: evil.test",
                "X-Forwarded-Port: 1", "X-Forwarded-Path: /evil", "X-Forwarded-Prefix: /evil", "X-Real-IP: 10.9.9.9");
        assertEquals("10.0.0.1, 127.0.0.1", up.header("x-forwarded-for"), "appended, also for untrusted clients");
        assertEquals("127.0.0.1", up.header("x-real-ip"));
        assertEquals("http", up.header("x-forwarded-proto"));
        assertEquals("headers.test", up.header("x-forwarded-host"), "Host without port, lower-cased");
        assertEquals(String.valueOf(gw.proxyPort()), up.header("x-forwarded-port"));
        assertEquals("/h/p", up.header("x-forwarded-path"));
        assertNull(up.header("x-forwarded-prefix"), "strip_path=false: no prefix header");
        assertEquals("/h/p?q=1", up.uri());
        assertEquals(1, up.headerValues("x-forwarded-for").size());
    }

    @Test
    void hopByHopHeadersAreRemovedAndOthersForwarded() throws IOException {
        EchoRequest up = send("Connection: keep-alive, X-Drop-Me", "X-Drop-Me: 1", "Keep-Alive: timeout=5",
                "Proxy-Connection: keep-alive", "Proxy: http://evil", "TE: gzip", "Upgrade: h2c",
                "Proxy-Authorization: Basic eA==", "X_Under_Score: kept", "X-Multi: 1", "X-Multi: 2");
        assertNull(up.header("x-drop-me"), "named in Connection");
        assertNull(up.header("keep-alive"));
        assertNull(up.header("proxy-connection"));
        assertNull(up.header("proxy"));
        assertNull(up.header("te"), "TE without trailers is removed");
        assertNull(up.header("upgrade"), "non-websocket Upgrade is removed");
        assertEquals("keep-alive", up.header("connection"));
        assertEquals("Basic eA==", up.header("proxy-authorization"));
        assertEquals("kept", up.header("x_under_score"), "underscores are allowed");
        assertEquals(List.of("1", "2"), up.headerValues("x-multi"));
    }

    @Test
    void teTrailersIsKeptAndRequestIdIsOverwritten() throws IOException {
        EchoRequest up = send("TE: trailers, gzip", "X-Kong-Request-Id: client-chosen", "Via: 1.0 corp-proxy");
        assertEquals("trailers", up.header("te"));
        assertNotEquals("client-chosen", up.header("x-kong-request-id"));
        assertTrue(up.header("x-kong-request-id").matches("[0-9a-f]{32}"), up::toString);
        assertTrue(up.header("via").matches("1\\.0 corp-proxy, 1\\.1 kong/\\S+"), up.header("via"));
    }
}
