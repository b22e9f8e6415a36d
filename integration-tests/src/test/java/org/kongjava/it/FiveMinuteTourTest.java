package org.kongjava.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.kongjava.it.support.Admin;
import org.kongjava.it.support.Closer;
import org.kongjava.it.support.Curl;
import org.kongjava.it.support.EchoServer.EchoRequest;
import org.kongjava.it.support.EchoServer;
import org.kongjava.it.support.Gateway;

/** The README's five-minute tour, with the same curl commands, against the real gateway and a real upstream. */
class FiveMinuteTourTest {

    static EchoServer echo;
    static Gateway gw;

    @BeforeAll
    static void start() {
        echo = EchoServer.start();
        gw = Gateway.start();
    }

    @AfterAll
    static void stop() {
        Closer.closeAll(gw, echo);
    }

    @Test
    void tour() {
        String admin = "127.0.0.1:" + gw.adminPort();
        // Exactly the README's form-encoded calls (curl --data), with the local echo server as upstream.
        Curl.Result svc = Curl.run("-X", "POST", admin + "/services", "--data", "name=echo",
                "--data", "url=" + echo.url() + "/anything");
        assertEquals(201, svc.status(), svc::toString);
        JsonNode service = parse(svc.body());
        assertEquals("echo", service.path("name").asText());
        assertEquals("127.0.0.1", service.path("host").asText());
        assertEquals(echo.port(), service.path("port").asInt());
        assertEquals("/anything", service.path("path").asText());
        assertEquals("http", service.path("protocol").asText());

        Curl.Result route = Curl.run("-X", "POST", admin + "/services/echo/routes", "--data", "name=echo-route",
                "--data", "paths[]=/echo");
        assertEquals(201, route.status(), route::toString);
        JsonNode r = parse(route.body());
        assertEquals("/echo", r.path("paths").path(0).asText(), route::toString);
        assertEquals(service.path("id").asText(), r.path("service").path("id").asText());

        Curl.Result proxied = Curl.run("-H", "Host: tour.example", gw.proxyUrl("/echo/get?hello=world"));
        assertEquals(200, proxied.status(), () -> proxied + gw.output());
        EchoRequest up = EchoRequest.parse(proxied.body());
        assertEquals("/anything/get?hello=world", up.uri(), "strip /echo, prepend the service path");
        assertEquals("127.0.0.1", up.header("x-forwarded-for"));
        assertEquals("127.0.0.1", up.header("x-real-ip"));
        assertEquals("http", up.header("x-forwarded-proto"));
        assertEquals("tour.example", up.header("x-forwarded-host"));
        assertEquals(String.valueOf(gw.proxyPort()), up.header("x-forwarded-port"));
        assertEquals("/echo/get", up.header("x-forwarded-path"));
        assertEquals("/echo", up.header("x-forwarded-prefix"));
        assertEquals("127.0.0.1:" + echo.port(), up.header("host"), "preserve_host is off by default");
        assertNotNull(up.header("via"), "Via to the upstream");
        assertTrue(up.header("via").matches("1\\.1 kong/\\S+"), up.header("via"));
        assertTrue(up.header("x-kong-request-id").matches("[0-9a-f]{32}"), up::toString);

        assertNotNull(proxied.header("x-kong-upstream-latency"), proxied::toString);
        assertNotNull(proxied.header("x-kong-proxy-latency"), proxied::toString);
        assertEquals(up.header("x-kong-request-id"), proxied.header("x-kong-request-id"),
                "the same request id upstream and downstream");
        assertTrue(proxied.header("via").contains("kong/"), proxied::toString);

        Curl.Result miss = Curl.run(gw.proxyUrl("/nothing-here"));
        assertEquals(404, miss.status(), miss::toString);
        assertTrue(miss.body().matches("\\{\n  \"message\":\"no Route matched with those values\",\n"
                + "  \"request_id\":\"[0-9a-f]{32}\"\n}"), miss::toString);

        // The README's live change: PATCH the route's paths, and the new prefix works at once.
        Curl.Result patch = Curl.run("-X", "PATCH", admin + "/routes/echo-route", "--data", "paths[]=/v2");
        assertEquals(200, patch.status(), patch::toString);
        Curl.Result v2 = Curl.run(gw.proxyUrl("/v2/x"));
        assertEquals(200, v2.status(), v2::toString);
        assertEquals("/anything/x", EchoRequest.parse(v2.body()).uri());
        assertEquals(404, Curl.run(gw.proxyUrl("/echo/get")).status(), "the old prefix is gone");
    }

    private static JsonNode parse(String body) {
        try {
            return Admin.JSON.readTree(body);
        } catch (Exception e) {
            throw new AssertionError("not JSON: " + body, e);
        }
    }
}
