package org.kongjava.it;

import static java.nio.charset.StandardCharsets.US_ASCII;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.kongjava.it.support.Closer;
import org.kongjava.it.support.Curl;
import org.kongjava.it.support.EchoServer;
import org.kongjava.it.support.Gateway;
import org.kongjava.it.support.Peers;
import org.kongjava.it.support.Poll;

/**
 * The access logs of the real gateway: {@code proxy_access_log} (HTTP/1.1 from curl, h2c, and through haproxy
 * {@code send-proxy-v2} with a UNIQUE_ID TLV), {@code admin_access_log}, {@code proxy_stream_access_log}, and
 * {@code off}.
 */
class AccessLogTest {
    private static final String CLIENT = "127.0.0.5";
    private static final String LB = "127.0.0.7";
    /** {@code $time_local}, e.g. {@code 01/Dec/2026:22:16:55 +0000}. */
    private static final String TIME = "\\[\\d{2}/[A-Z][a-z]{2}/\\d{4}:\\d{2}:\\d{2}:\\d{2} [+-]\\d{4}\\]";

    static EchoServer echo;
    static Gateway gw;
    static Process haproxy;
    static int haproxyPort;
    static int ppPort;
    static int streamPort;
    static Path dir;

    @BeforeAll
    static void start() throws Exception {
        Path haproxyBin = Peers.require("haproxy");
        Peers.require("curl");
        dir = Files.createTempDirectory("accesslog-it-");
        echo = EchoServer.start();
        gw = Gateway.builder()
                .conf("proxy_listen", "127.0.0.1:0 http2, 127.0.0.1:0 proxy_protocol")
                .conf("stream_listen", "127.0.0.1:0")
                .conf("proxy_stream_access_log", "logs/stream.log basic")
                .conf("trusted_ips", LB)
                .conf("real_ip_header", "proxy_protocol")
                .start();
        List<Gateway.Listener> proxies = gw.listeners().stream().filter(l -> l.key().equals("proxy_listen")).toList();
        ppPort = proxies.get(1).port();
        streamPort = gw.port("stream_listen");
        gw.admin().create("/services", Map.of("name", "echo", "url", echo.url()));
        gw.admin().create("/services/echo/routes", Map.of("paths", List.of("/h"), "strip_path", false));
        gw.admin().create("/services", Map.of("name", "raw", "protocol", "tcp", "host", "127.0.0.1",
                "port", echo.port()));
        gw.admin().create("/services/raw/routes", Map.of("protocols", List.of("tcp"),
                "destinations", List.of(Map.of("port", streamPort))));

        haproxyPort = freePort();
        Path cfg = dir.resolve("haproxy.cfg");
        Files.writeString(cfg, "global\n    maxconn 50\n"
                + "defaults\n    mode tcp\n    timeout connect 2s\n    timeout client 10s\n    timeout server 10s\n"
                + "    unique-id-format %ci-%cp\n"
                + "frontend f\n    bind 127.0.0.1:" + haproxyPort + "\n    default_backend b\n"
                + "backend b\n    server gw 127.0.0.1:" + ppPort
                + " send-proxy-v2 proxy-v2-options unique-id source " + LB + "\n");
        haproxy = new ProcessBuilder(haproxyBin.toString(), "-db", "-f", cfg.toString()).redirectErrorStream(true)
                .redirectOutput(dir.resolve("haproxy.log").toFile()).start();
        Poll.until(Duration.ofSeconds(10), () -> accepts(haproxyPort), () -> "haproxy did not start");
    }

    @AfterAll
    static void stop() throws Exception {
        if (haproxy != null) {
            haproxy.destroy(); // our child only, by its handle
            if (!haproxy.waitFor(5, TimeUnit.SECONDS)) {
                haproxy.destroyForcibly();
            }
        }
        Closer.closeAll(gw, echo);
    }

    /** Waits for a line of {@code file} containing {@code marker}, and returns it. */
    private static String lineWith(Path file, String marker) {
        String[] found = new String[1];
        Poll.until(Duration.ofSeconds(10), () -> {
            try {
                if (!Files.exists(file)) {
                    return false;
                }
                for (String l : Files.readAllLines(file, US_ASCII)) {
                    if (l.contains(marker)) {
                        found[0] = l;
                        return true;
                    }
                }
                return false;
            } catch (IOException e) {
                return false;
            }
        }, () -> "no line with " + marker + " in " + file + ":\n" + read(file));
        return found[0];
    }

    private static String read(Path file) {
        try {
            return Files.exists(file) ? Files.readString(file) : "(missing)";
        } catch (IOException e) {
            return e.toString();
        }
    }

    @Test
    void http1RequestIsLoggedInKongsFormat() {
        Curl.Result r = Curl.run("-A", "it-agent \"quoted\"", "-e", "http://ref.test/",
                gw.proxyUrl("/h/one?x=1"));
        assertEquals(200, r.status(), r::toString);
        String id = r.header("X-Kong-Request-Id");
        assertTrue(id != null && !id.isEmpty(), r::toString);
        long bytes = r.body().getBytes(java.nio.charset.StandardCharsets.UTF_8).length;
        String line = lineWith(gw.prefix().resolve("logs/access.log"), "\"" + id + "\"");
        assertTrue(Pattern.matches("127\\.0\\.0\\.1 - - " + TIME + " \"GET /h/one\\?x=1 HTTP/1\\.1\" 200 " + bytes
                + " \"http://ref\\.test/\" \"it-agent \\\\x22quoted\\\\x22\" kong_request_id: \"" + id + "\"", line),
                line);
    }

    @Test
    void http2StreamIsLogged() {
        Curl.Result r = Curl.run("--http2-prior-knowledge", gw.proxyUrl("/h/two"));
        assertEquals(200, r.status(), r::toString);
        String line = lineWith(gw.prefix().resolve("logs/access.log"), r.header("X-Kong-Request-Id"));
        assertTrue(line.contains("\"GET /h/two HTTP/2.0\" 200 "), line);
        assertTrue(line.contains("\"curl/"), line);
    }

    @Test
    void unmatchedRequestIsLoggedWithItsStatus() {
        Curl.Result r = Curl.run(gw.proxyUrl("/nothing"));
        assertEquals(404, r.status(), r::toString);
        String line = lineWith(gw.prefix().resolve("logs/access.log"), r.header("X-Kong-Request-Id"));
        assertTrue(line.contains("\"GET /nothing HTTP/1.1\" 404 " + r.body().length() + " "), line);
    }

    @Test
    void proxyV2ClientAddressAndTlvsAreLogged() {
        Curl.Result r = Curl.run("--interface", CLIENT, "http://127.0.0.1:" + haproxyPort + "/h/pp");
        assertEquals(200, r.status(), r::toString);
        String line = lineWith(gw.prefix().resolve("logs/access.log"), r.header("X-Kong-Request-Id"));
        assertTrue(line.startsWith(CLIENT + " - - ["), "remote_addr is the client from the PROXY header: " + line);
        assertTrue(Pattern.matches(".* kong_request_id: \"[^\"]+\" proxy_tlvs: \"unique_id=127\\.0\\.0\\.5-\\d+\"", line),
                line);
        String direct = lineWith(gw.prefix().resolve("logs/access.log"), "GET /h/one");
        assertFalse(direct.contains("proxy_tlvs"), direct);
    }

    @Test
    void adminRequestIsLoggedInCombinedFormat() {
        Curl.Result r = Curl.run("-A", "admin-it", "http://127.0.0.1:" + gw.adminPort() + "/status?probe=1");
        assertEquals(200, r.status(), r::toString);
        String line = lineWith(gw.prefix().resolve("logs/admin_access.log"), "/status?probe=1");
        assertTrue(Pattern.matches("127\\.0\\.0\\.1 - - " + TIME + " \"GET /status\\?probe=1 HTTP/1\\.1\" 200 "
                + r.body().length() + " \"-\" \"admin-it\"", line), line);
    }

    @Test
    void streamConnectionIsLoggedInBasicFormat() throws IOException {
        byte[] req = "GET /stream-probe HTTP/1.1\r\nHost: s\r\nConnection: close\r\n\r\n".getBytes(US_ASCII);
        byte[] resp;
        try (Socket s = new Socket()) {
            s.bind(new InetSocketAddress(CLIENT, 0));
            s.connect(new InetSocketAddress("127.0.0.1", streamPort), 5000);
            s.setSoTimeout(10_000);
            OutputStream out = s.getOutputStream();
            out.write(req);
            out.flush();
            InputStream in = s.getInputStream();
            resp = in.readAllBytes();
        }
        assertTrue(new String(resp, US_ASCII).startsWith("HTTP/1.1 200"), new String(resp, US_ASCII));
        String line = lineWith(gw.prefix().resolve("logs/stream.log"), CLIENT + " [");
        assertTrue(Pattern.matches(Pattern.quote(CLIENT) + " " + TIME + " TCP 200 " + resp.length + " " + req.length
                + " \\d+\\.\\d{3}", line), line);
        // The stream log is its own file here: the HTTP access log has no stream lines.
        assertFalse(read(gw.prefix().resolve("logs/access.log")).contains(" TCP 200 "));
    }

    @Test
    void offWritesNothing() throws Exception {
        try (EchoServer e = EchoServer.start();
             Gateway off = Gateway.builder().conf("proxy_access_log", "off").conf("admin_access_log", "off").start()) {
            off.admin().create("/services", Map.of("name", "echo", "url", e.url()));
            off.admin().create("/services/echo/routes", Map.of("paths", List.of("/h")));
            Curl.Result r = Curl.run(off.proxyUrl("/h/x"));
            assertEquals(200, r.status(), r::toString);
            // Same request on a logging gateway shows within milliseconds; give the off one ample time too.
            Thread.sleep(500);
            assertFalse(Files.exists(off.prefix().resolve("logs/access.log")), read(off.prefix().resolve("logs/access.log")));
            assertFalse(Files.exists(off.prefix().resolve("logs/admin_access.log")));
        }
    }

    @Test
    void combinedFormatNameLeavesOutTheRequestId() throws Exception {
        try (EchoServer e = EchoServer.start();
             Gateway g = Gateway.builder().conf("proxy_access_log", "logs/combined.log combined").start()) {
            g.admin().create("/services", Map.of("name", "echo", "url", e.url()));
            g.admin().create("/services/echo/routes", Map.of("paths", List.of("/h")));
            Curl.Result r = Curl.run("-A", "combined-it", g.proxyUrl("/h/c"));
            assertEquals(200, r.status(), r::toString);
            String line = lineWith(g.prefix().resolve("logs/combined.log"), "combined-it");
            assertTrue(line.endsWith("\"GET /h/c HTTP/1.1\" 200 " + r.body().length() + " \"-\" \"combined-it\""), line);
        }
    }

    @Test
    void badValueFailsStartNamingTheKey() {
        var p = Gateway.builder().conf("proxy_stream_access_log", "logs/s.log fancy").conf("stream_listen", "127.0.0.1:0")
                .prepare();
        try {
            var result = p.run(Duration.ofSeconds(60), "start", "-c", p.conf().toString(), "-p", p.prefix().toString());
            assertTrue(result.exit() != 0, result::toString);
            assertTrue(result.stderr().contains("proxy_stream_access_log: unknown log format 'fancy'"), result::toString);
        } finally {
            p.kill();
        }
    }

    private static boolean accepts(int port) {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", port), 200);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            return s.getLocalPort();
        }
    }
}
