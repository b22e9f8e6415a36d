package org.kongjava.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.kongjava.it.support.Admin;
import org.kongjava.it.support.Curl;
import org.kongjava.it.support.EchoServer;
import org.kongjava.it.support.Gateway;
import org.kongjava.it.support.Peers;

/**
 * Kong's {@code ip-restriction} plugin end to end, configured only through the Admin API of a real gateway: on a
 * stream route (a socat client through {@code stream_listen}) and on an HTTP route (curl), each change applying to
 * the next connection or request without a restart.
 */
class IpRestrictionPluginTest {
    static Gateway gw;
    static ServerSocket echo;
    static EchoServer http;
    static final ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor();
    static int streamPort;

    @BeforeAll
    static void start() throws Exception {
        echo = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        threads.execute(IpRestrictionPluginTest::echoLoop);
        http = EchoServer.start();
        gw = Gateway.builder().javaOpts("-Xms32m -Xmx64m").conf("stream_listen", "127.0.0.1:0").start();
        streamPort = gw.port("stream_listen");
        Admin admin = gw.admin();
        admin.create("/services", Map.of("name", "echo", "protocol", "tcp", "host", "127.0.0.1", "port", echo.getLocalPort()));
        admin.create("/services/echo/routes", Map.of("name", "tcp-in", "protocols", List.of("tcp"),
                "destinations", List.of(Map.of("port", streamPort))));
        admin.create("/services", Map.of("name", "web", "url", http.url()));
        admin.create("/services/web/routes", Map.of("name", "web-in", "paths", List.of("/ip")));
    }

    @AfterAll
    static void stop() throws Exception {
        if (gw != null) {
            gw.close();
        }
        if (http != null) {
            http.close();
        }
        echo.close();
        threads.shutdownNow();
    }

    /** socat as the stream client: sends {@code line}, ends its input, returns what came back before the close. */
    private static String socat(String line) throws Exception {
        Process p = new ProcessBuilder(Peers.require("socat").toString(), "-t", "3", "-", "TCP:127.0.0.1:" + streamPort)
                .redirectError(ProcessBuilder.Redirect.DISCARD).start();
        try (OutputStream in = p.getOutputStream()) {
            in.write(line.getBytes(StandardCharsets.UTF_8));
        } catch (IOException ignored) {
            // socat may be gone already (the gateway closed)
        }
        byte[] out = p.getInputStream().readAllBytes();
        if (!p.waitFor(20, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("socat did not finish");
        }
        return new String(out, StandardCharsets.UTF_8);
    }

    private static Map<String, Object> config(List<String> allow, List<String> deny) {
        Map<String, Object> c = new HashMap<>();
        c.put("allow", allow);
        c.put("deny", deny);
        return Map.of("config", c);
    }

    @Test
    void streamRoutePluginDeniesThenAllowsWithoutARestart() throws Exception {
        Admin admin = gw.admin();
        assertEquals("hello\n", socat("hello\n"));
        Map<String, Object> body = new LinkedHashMap<>(config(null, List.of("127.0.0.1")));
        body.put("name", "ip-restriction");
        JsonNode p = admin.create("/routes/tcp-in/plugins", body);
        // socat's connection is answered with Kong's stream refusal and closed; the echo never sees it.
        assertEquals("{\"status\":403,\"message\":\"IP address not allowed: 127.0.0.1\"}", socat("hello\n"));
        admin.patch("/plugins/" + p.get("id").asText(), config(List.of("127.0.0.1"), null)).expect(200);
        assertEquals("hello\n", socat("hello\n"));
        admin.patch("/plugins/" + p.get("id").asText(), config(List.of("10.0.0.0/8"), null)).expect(200);
        assertEquals("{\"status\":403,\"message\":\"IP address not allowed: 127.0.0.1\"}", socat("hello\n"));
        admin.delete("/plugins/" + p.get("id").asText()).expect(204);
        assertEquals("hello\n", socat("hello\n"));
        assertTrue(gw.output().contains("client 127.0.0.1 refused by ip-restriction plugin " + p.get("id").asText()),
                gw::output);
    }

    @Test
    void httpRoutePluginAnswersKongs403AndHonoursStatusAndMessage() throws Exception {
        Admin admin = gw.admin();
        String url = "http://127.0.0.1:" + gw.proxyPort() + "/ip";
        assertEquals(200, Curl.run(url).status());
        // A service plugin applies to the route's requests...
        JsonNode onService = admin.create("/services/web/plugins",
                Map.of("name", "ip-restriction", "config", Map.of("deny", List.of("127.0.0.0/8"))));
        Curl.Result r = Curl.run(url);
        assertEquals(403, r.status(), r::toString);
        // Kong 3.x's error body: the message and the request id.
        assertEquals("IP address not allowed: 127.0.0.1", Admin.JSON.readTree(r.body()).get("message").asText());
        assertTrue(Admin.JSON.readTree(r.body()).has("request_id"), r.body());
        // ...until the route has its own, which wins.
        JsonNode onRoute = admin.create("/routes/web-in/plugins", Map.of("name", "ip-restriction",
                "config", Map.of("deny", List.of("127.0.0.1"), "status", 401, "message", "go away")));
        r = Curl.run(url);
        assertEquals(401, r.status(), r::toString);
        assertEquals("go away", Admin.JSON.readTree(r.body()).get("message").asText());
        admin.patch("/plugins/" + onRoute.get("id").asText(), config(List.of("127.0.0.1"), null)).expect(200);
        assertEquals(200, Curl.run(url).status());
        admin.delete("/plugins/" + onRoute.get("id").asText()).expect(204);
        admin.delete("/plugins/" + onService.get("id").asText()).expect(204);
        assertEquals(200, Curl.run(url).status());
        // Only ip-restriction exists on this node.
        Admin.Response refused = admin.post("/plugins", Map.of("name", "rate-limiting", "config", Map.of("minute", 5)));
        assertEquals(400, refused.status());
        assertEquals("plugin 'rate-limiting' not enabled; add it to the 'plugins' configuration property",
                refused.json().get("fields").get("name").asText());
    }

    private static void echoLoop() {
        while (!echo.isClosed()) {
            try {
                Socket s = echo.accept();
                threads.execute(() -> {
                    try (s) {
                        InputStream in = s.getInputStream();
                        OutputStream out = s.getOutputStream();
                        byte[] buf = new byte[4096];
                        for (int n; (n = in.read(buf)) > 0; ) {
                            out.write(buf, 0, n);
                        }
                        s.shutdownOutput();
                    } catch (IOException ignored) {
                        // the client went away
                    }
                });
            } catch (IOException e) {
                return;
            }
        }
    }
}
