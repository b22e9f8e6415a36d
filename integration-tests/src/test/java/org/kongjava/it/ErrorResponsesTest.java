package org.kongjava.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.kongjava.it.support.Admin;
import org.kongjava.it.support.Closer;
import org.kongjava.it.support.EchoServer;
import org.kongjava.it.support.Gateway;
import org.kongjava.it.support.Ports;
import org.kongjava.it.support.RawHttp;

/** Kong's error statuses and bodies (format chosen by Accept) for the errors a gateway itself produces. */
class ErrorResponsesTest {

    static final String ID = "[0-9a-f]{32}";
    static EchoServer echo;
    static Gateway gw;
    static Admin admin;
    static int refusedPort;

    @BeforeAll
    static void start() throws IOException {
        echo = EchoServer.start();
        gw = Gateway.start();
        admin = gw.admin();
        refusedPort = Ports.refused();
        admin.create("/routes", Map.of("name", "no-service", "paths", List.of("/no-service")));
        admin.create("/services", Map.of("name", "refused", "url", "http://127.0.0.1:" + refusedPort,
                "retries", 0));
        admin.create("/services/refused/routes", Map.of("paths", List.of("/refused")));
        admin.create("/services", Map.of("name", "slow", "url", echo.url(), "read_timeout", 300, "retries", 0));
        admin.create("/services/slow/routes", Map.of("paths", List.of("/slow")));
    }

    @AfterAll
    static void stop() {
        Closer.closeAll(gw, echo);
    }

    static RawHttp.Response request(String method, String path, String... headers) throws IOException {
        try (RawHttp c = RawHttp.connect(gw.proxyPort())) {
            StringBuilder sb = new StringBuilder(method + " " + path + " HTTP/1.1\r\nHost: errors.test\r\n");
            for (String h : headers) {
                sb.append(h).append("\r\n");
            }
            c.send(sb.append("\r\n").toString());
            return c.readResponse(false, method.equals("HEAD"));
        }
    }

    static String json(String message) {
        return "\\{\n  \"message\":\"" + message + "\",\n  \"request_id\":\"" + ID + "\"\n\\}";
    }

    @ParameterizedTest(name = "404 with Accept: {0}")
    @CsvSource(delimiter = '|', value = {
        "application/json|application/json; charset=utf-8",
        "*/*|application/json; charset=utf-8",
        "|application/json; charset=utf-8",
        "image/png|application/json; charset=utf-8",
        "text/html|text/html; charset=utf-8",
        "application/xml|application/xml; charset=utf-8",
        "text/plain|text/plain; charset=utf-8",
        "text/*|text/plain; charset=utf-8",
        "text/plain;q=0.2, text/html;q=0.9|text/html; charset=utf-8"})
    void noRouteByAccept(String accept, String contentType) throws IOException {
        RawHttp.Response r = accept == null ? request("GET", "/nothing") : request("GET", "/nothing", "Accept: " + accept);
        assertEquals(404, r.status(), r::toString);
        assertEquals(contentType, r.header("content-type"), r::toString);
        String m = "no Route matched with those values";
        String body = r.bodyText();
        String id = r.header("x-kong-request-id");
        assertTrue(id != null && id.matches(ID), r::toString);
        switch (contentType.substring(0, contentType.indexOf(';'))) {
            case "application/json" -> assertTrue(body.matches(json(m)), body);
            case "text/plain" -> assertEquals(m + "\nrequest_id: " + id + "\n", body);
            case "text/html" -> assertEquals("<!doctype html>\n<html>\n  <head>\n    <meta charset=\"utf-8\">\n"
                    + "    <title>Error</title>\n  </head>\n  <body>\n    <h1>Error</h1>\n    <p>" + m + ".</p>\n"
                    + "    <p>request_id: " + id + "</p>\n  </body>\n</html>\n", body);
            case "application/xml" -> assertEquals("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<error>\n  <message>"
                    + m + "</message>\n  <requestid>" + id + "</requestid>\n</error>\n", body);
            default -> throw new AssertionError(contentType);
        }
        assertTrue(r.header("server") != null && r.header("server").startsWith("kong/"), r::toString);
        assertNull(r.header("via"), "Kong-generated responses carry no Via");
        assertTrue(r.header("x-kong-response-latency") != null, r::toString);
    }

    @Test
    void headGetsNoBody() throws IOException {
        try (RawHttp c = RawHttp.connect(gw.proxyPort())) {
            c.send("HEAD /nothing HTTP/1.1\r\nHost: errors.test\r\n\r\n");
            RawHttp.Response r = c.readResponse(false, true);
            assertEquals(404, r.status());
            // Had the gateway sent a body after the HEAD response, it would be read as the next status line.
            c.send("GET /nothing HTTP/1.1\r\nHost: errors.test\r\n\r\n");
            RawHttp.Response next = c.readResponse(false);
            assertEquals(404, next.status(), "HEAD left no body bytes on the connection: " + next);
        }
    }

    @Test
    void routeWithoutServiceIs503() throws IOException {
        RawHttp.Response r = request("GET", "/no-service/x", "Accept: application/json");
        assertEquals(503, r.status(), r::toString);
        assertTrue(r.bodyText().matches(json("no Service found with those values")), r::toString);
    }

    @Test
    void refusedUpstreamIs502() throws IOException {
        RawHttp.Response r = request("GET", "/refused", "Accept: text/plain");
        assertEquals(502, r.status(), r::toString);
        assertTrue(r.bodyText().startsWith("An invalid response was received from the upstream server\nrequest_id: "),
                r::toString);
        assertTrue(r.header("x-kong-proxy-latency") != null || r.header("x-kong-upstream-latency") != null,
                () -> "an nginx-level error after proxying counts as proxied: " + r);
    }

    @Test
    void readTimeoutIs504WithinTheTimeout() throws IOException {
        long t0 = System.nanoTime();
        RawHttp.Response r = request("GET", "/slow", "X-Echo-Delay: 3000", "Accept: application/json");
        long ms = (System.nanoTime() - t0) / 1_000_000;
        assertEquals(504, r.status(), r::toString);
        assertTrue(r.bodyText().matches(json("The upstream server is timing out")), r::toString);
        assertTrue(ms < 2500, "read_timeout 300 ms, answered after " + ms + " ms");
    }

    @Test
    void upstreamErrorsPassThroughUntouched() throws IOException {
        admin.create("/services", Map.of("name", "status", "url", echo.url()));
        admin.create("/services/status/routes", Map.of("paths", List.of("/status")));
        RawHttp.Response r = request("GET", "/status", "X-Echo-Status: 503", "Accept: text/html");
        assertEquals(503, r.status(), r::toString);
        assertEquals("application/json", r.header("content-type"), "the upstream's own body and type");
        assertEquals("503", EchoServer.EchoRequest.parse(r.bodyText()).header("x-echo-status"));
    }
}
