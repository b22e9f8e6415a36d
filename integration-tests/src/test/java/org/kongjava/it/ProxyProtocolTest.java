package org.kongjava.it;

import static java.nio.charset.StandardCharsets.US_ASCII;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufUtil;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.kongjava.core.proxyprotocol.ProxyHeaderEncoder;
import org.kongjava.core.proxyprotocol.ProxyTlvs;
import org.kongjava.it.support.Closer;
import org.kongjava.it.support.Curl;
import org.kongjava.it.support.EchoServer;
import org.kongjava.it.support.EchoServer.EchoRequest;
import org.kongjava.it.support.Gateway;
import org.kongjava.it.support.Peers;
import org.kongjava.it.support.Poll;

/**
 * The real gateway behind a real haproxy standing in for a cloud L4 balancer: the client (curl) binds 127.0.0.5,
 * haproxy connects to the gateway from 127.0.0.7 (in {@code trusted_ips}) or 127.0.0.8 (not), with
 * {@code send-proxy} (v1) and {@code send-proxy-v2} plus TLVs, on the plain and the ssl proxy port and on an admin
 * port. kong-java's extensions too: TLV headers, {@code proxy_protocol_trusted_optional}, and a PROXY header sent to
 * an upstream (haproxy {@code accept-proxy} as that upstream).
 */
class ProxyProtocolTest {
    private static final String CLIENT = "127.0.0.5";
    private static final String OTHER_CLIENT = "127.0.0.6";
    private static final String LB = "127.0.0.7";
    private static final String UNTRUSTED_LB = "127.0.0.8";

    static Path dir;
    static EchoServer echo;
    static Gateway gw;
    static Process haproxy;
    static int ppPlain;
    static int ppTls;
    static int noPp;
    static int adminPp;
    static Map<String, Integer> fe = new java.util.LinkedHashMap<>();

    @BeforeAll
    static void start() throws Exception {
        Path haproxyBin = Peers.require("haproxy");
        Path openssl = Peers.require("openssl");
        Peers.require("curl");
        dir = Files.createTempDirectory("pp-it-");
        echo = EchoServer.start();
        gw = Gateway.builder()
                .conf("proxy_listen", "127.0.0.1:0 proxy_protocol, 127.0.0.1:0 ssl proxy_protocol, 127.0.0.1:0")
                .conf("admin_listen", "127.0.0.1:0, 127.0.0.1:0 proxy_protocol")
                .conf("trusted_ips", LB)
                .conf("real_ip_header", "proxy_protocol")
                .conf("proxy_protocol_timeout", "1s")
                .conf("proxy_protocol_trusted_optional", "on")
                .conf("proxy_protocol_tlv_headers",
                        "unique_id:X-Lb-Unique-Id, authority:X-Lb-Sni, aws_vpce_id:X-Amzn-Vpce-Id")
                .conf("upstream_proxy_protocol", "pp-up-v2:v2, pp-up-v1:v1")
                .start();
        List<Gateway.Listener> proxies = gw.listeners().stream().filter(l -> l.key().equals("proxy_listen")).toList();
        ppPlain = proxies.get(0).port();
        ppTls = proxies.get(1).port();
        noPp = proxies.get(2).port();
        adminPp = gw.listeners().stream().filter(l -> l.key().equals("admin_listen")).toList().get(1).port();

        run(openssl.toString(), "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
                "-keyout", dir.resolve("key.pem").toString(), "-out", dir.resolve("cert.pem").toString(), "-days", "1",
                "-subj", "/CN=lb.test");
        Files.writeString(dir.resolve("site.pem"),
                Files.readString(dir.resolve("cert.pem")) + Files.readString(dir.resolve("key.pem")));
        startHaproxy(haproxyBin);

        gw.admin().create("/services", Map.of("name", "echo", "url", echo.url()));
        gw.admin().create("/services/echo/routes", Map.of("paths", List.of("/h"), "strip_path", false));
        String upstream = "http://127.0.0.1:" + fe.get("up");
        gw.admin().create("/services", Map.of("name", "pp-up-v2", "url", upstream));
        gw.admin().create("/services/pp-up-v2/routes", Map.of("paths", List.of("/up2")));
        gw.admin().create("/services", Map.of("name", "pp-up-v1", "url", upstream));
        gw.admin().create("/services/pp-up-v1/routes", Map.of("paths", List.of("/up1")));
    }

    private static void startHaproxy(Path bin) throws Exception {
        for (int attempt = 0; ; attempt++) {
            for (String name : List.of("v1", "v2", "untrusted", "tlspass", "tlsv2", "admin", "up")) {
                fe.put(name, freePort());
            }
            String be = "    mode tcp\n    server s 127.0.0.1:";
            String cfg = "global\n    maxconn 200\n"
                    + "defaults\n    timeout connect 2s\n    timeout client 10s\n    timeout server 10s\n"
                    + "    unique-id-format %ci-%cp\n"
                    + front("v1", "") + be + ppPlain + " send-proxy source " + LB + "\n"
                    + front("v2", "") + be + ppPlain + " send-proxy-v2 proxy-v2-options unique-id source " + LB + "\n"
                    + front("untrusted", "") + be + ppPlain + " send-proxy source " + UNTRUSTED_LB + "\n"
                    // TLS passed through (an NLB TCP listener): the PROXY header, then the client's own ClientHello.
                    + front("tlspass", "") + be + ppTls + " send-proxy source " + LB + "\n"
                    // TLS terminated and re-encrypted: haproxy sends the client's SNI as the AUTHORITY TLV.
                    + front("tlsv2", " ssl crt " + dir.resolve("site.pem")) + be + ppTls
                    + " send-proxy-v2 proxy-v2-options authority ssl verify none source " + LB + "\n"
                    + front("admin", "") + be + adminPp + " send-proxy-v2 source " + LB + "\n"
                    // An upstream that needs the PROXY protocol: it answers with the addresses it was given.
                    + "frontend fe_up\n    mode http\n    bind 127.0.0.1:" + fe.get("up") + " accept-proxy\n"
                    + "    http-request return status 200 content-type text/plain lf-string \"src=%[src] dst=%[dst]:%[dst_port]\"\n";
            Path file = dir.resolve("haproxy.cfg");
            Files.writeString(file, cfg);
            haproxy = new ProcessBuilder(bin.toString(), "-db", "-f", file.toString()).redirectErrorStream(true)
                    .redirectOutput(dir.resolve("haproxy.log").toFile()).start();
            boolean up = Poll.within(Duration.ofSeconds(10), () -> !haproxy.isAlive()
                    || fe.values().stream().allMatch(ProxyProtocolTest::accepts));
            if (up && haproxy.isAlive()) {
                return;
            }
            stopHaproxy();
            if (attempt == 1) {
                throw new AssertionError("haproxy did not start:\n" + Files.readString(dir.resolve("haproxy.log")));
            }
        }
    }

    private static String front(String name, String bindOptions) {
        return "frontend fe_" + name + "\n    mode tcp\n    bind 127.0.0.1:" + fe.get(name) + bindOptions + "\n"
                + "    default_backend be_" + name + "\nbackend be_" + name + "\n";
    }

    @AfterAll
    static void stop() {
        stopHaproxy();
        Closer.closeAll(gw, echo);
        if (dir != null) {
            try (var walk = Files.walk(dir)) {
                walk.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            } catch (IOException ignored) {
                // temp files
            }
        }
    }

    private static void stopHaproxy() {
        if (haproxy != null) {
            haproxy.destroy(); // our child only, by its handle
            try {
                if (!haproxy.waitFor(5, TimeUnit.SECONDS)) {
                    haproxy.destroyForcibly();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            haproxy = null;
        }
    }

    // ------------------------------------------------------------------ through haproxy

    private static EchoRequest viaCurl(String url, String... extra) {
        List<String> args = new ArrayList<>(List.of("--max-time", "10", "--interface", CLIENT, "-k"));
        args.addAll(List.of(extra));
        args.add(url);
        Curl.Result r = Curl.run(args.toArray(String[]::new));
        assertEquals(200, r.status(), () -> r + "\n" + gw.output());
        return EchoRequest.parse(r.body());
    }

    @Test
    void sendProxyV1OnThePlainPortGivesTheClientAddress() {
        EchoRequest up = viaCurl("http://127.0.0.1:" + fe.get("v1") + "/h", "-H", "X-Real-IP: 10.6.6.6",
                "-H", "X-Lb-Unique-Id: forged");
        assertEquals(CLIENT, up.header("x-real-ip"), up::toString);
        assertEquals(CLIENT, up.header("x-forwarded-for"));
        assertEquals(String.valueOf(ppPlain), up.header("x-forwarded-port"), "Kong: the gateway's own port");
        assertNull(up.header("x-lb-unique-id"), "a v1 header has no TLVs, and the client's copy is dropped");
    }

    @Test
    void sendProxyV2WithTlvsForwardsTheConfiguredHeader() {
        EchoRequest up = viaCurl("http://127.0.0.1:" + fe.get("v2") + "/h", "-H", "X-Lb-Unique-Id: forged",
                "-H", "X-Amzn-Vpce-Id: vpce-forged");
        assertEquals(CLIENT, up.header("x-real-ip"));
        assertEquals(CLIENT, up.header("x-forwarded-for"));
        assertTrue(up.header("x-lb-unique-id").startsWith(CLIENT + "-"), up::toString);
        assertEquals(1, up.headerValues("x-lb-unique-id").size());
        assertNull(up.header("x-amzn-vpce-id"), "no such TLV on this connection: the client's value is dropped");
    }

    @Test
    void incomingXForwardedForIsChainedWithTheBalancer() {
        EchoRequest up = viaCurl("http://127.0.0.1:" + fe.get("v1") + "/h", "-H", "X-Forwarded-For: 10.1.1.1");
        assertEquals(CLIENT, up.header("x-real-ip"), "the PROXY source, not the header");
        assertEquals("10.1.1.1, " + LB, up.header("x-forwarded-for"), "Kong appends the TCP peer");
    }

    @Test
    void untrustedBalancerIsTheClientAndItsClaimIgnored() {
        EchoRequest up = viaCurl("http://127.0.0.1:" + fe.get("untrusted") + "/h", "-H", "X-Forwarded-Proto: https",
                "-H", "X-Lb-Unique-Id: forged");
        assertEquals(UNTRUSTED_LB, up.header("x-real-ip"));
        assertEquals(UNTRUSTED_LB, up.header("x-forwarded-for"));
        assertEquals("http", up.header("x-forwarded-proto"), "untrusted: X-Forwarded-* replaced");
        assertNull(up.header("x-lb-unique-id"));
    }

    @Test
    void tlsPassedThroughWithAV1Header() {
        EchoRequest up = viaCurl("https://127.0.0.1:" + fe.get("tlspass") + "/h");
        assertEquals(CLIENT, up.header("x-real-ip"));
        assertEquals("https", up.header("x-forwarded-proto"), "TLS terminated by the gateway after the header");
    }

    @Test
    void tlsReencryptedWithAuthorityTlv() {
        int port = fe.get("tlsv2");
        EchoRequest up = viaCurl("https://api.example.test:" + port + "/h", "--resolve",
                "api.example.test:" + port + ":127.0.0.1");
        assertEquals(CLIENT, up.header("x-real-ip"));
        assertEquals("api.example.test", up.header("x-lb-sni"), "haproxy's AUTHORITY TLV = the client's SNI");
    }

    @Test
    void adminListenerWithProxyProtocolServesAndReportsClientAddressSettings() {
        Curl.Result r = Curl.run("--max-time", "10", "--interface", CLIENT, "http://127.0.0.1:" + fe.get("admin") + "/");
        assertEquals(200, r.status(), r::toString);
        JsonNode root = gw.admin().get("/").expect(200).json();
        JsonNode list = root.path("client_address");
        assertEquals(5, list.size(), list::toString);
        JsonNode first = list.get(0);
        assertEquals("proxy_listen 127.0.0.1:" + ppPlain, first.path("listener").asText());
        assertEquals("required, optional from " + LB, first.path("proxy_protocol").asText());
        assertEquals(1000, first.path("proxy_protocol_timeout_ms").asLong());
        assertEquals("proxy_protocol", first.path("real_ip_header").asText());
        assertTrue(first.path("client_address").asText().startsWith("the PROXY header's source"), first::toString);
        assertEquals("off", list.get(2).path("proxy_protocol").asText());
        assertTrue(list.get(2).path("client_address").asText().contains("no proxy_protocol flag"), list::toString);
        assertTrue(gw.output().contains("client address on proxy_listen 127.0.0.1:" + ppPlain
                + " proxy_protocol=required"), "one start-up line per listener\n" + gw.output());
    }

    // ------------------------------------------------------------------ PROXY towards the upstream

    private static String upstreamSaw(String path, String client) {
        Curl.Result r = Curl.run("--max-time", "10", "--interface", client, "http://127.0.0.1:" + fe.get("v1") + path);
        assertEquals(200, r.status(), () -> r + "\n" + gw.output());
        return r.body().strip();
    }

    @Test
    void upstreamGetsAPerClientProxyHeader() {
        // Sequential clients on kept-alive upstream connections: a connection opened for one client's header must
        // never carry another client's request.
        for (String c : List.of(CLIENT, OTHER_CLIENT, CLIENT, OTHER_CLIENT)) {
            String saw = upstreamSaw("/up2/x", c);
            assertTrue(saw.startsWith("src=" + c + " "), "for " + c + ": " + saw);
            assertTrue(saw.endsWith("dst=" + "127.0.0.1:" + fe.get("v1")), "the balancer address the client used: " + saw);
        }
        assertTrue(upstreamSaw("/up1/x", OTHER_CLIENT).startsWith("src=" + OTHER_CLIENT + " "), "v1 too");
    }

    // ------------------------------------------------------------------ raw sockets: bad input, leniency

    private static byte[] exchangeRaw(String from, int port, byte[] bytes) throws IOException {
        try (Socket s = new Socket()) {
            s.setSoTimeout(8000);
            s.bind(new InetSocketAddress(from, 0));
            s.connect(new InetSocketAddress("127.0.0.1", port), 2000);
            s.getOutputStream().write(bytes);
            s.getOutputStream().flush();
            return readAll(s.getInputStream());
        }
    }

    private static byte[] v2(String src, List<ProxyTlvs.Tlv> tlvs) {
        ByteBuf b = ProxyHeaderEncoder.v2(ByteBufAllocator.DEFAULT, new InetSocketAddress(src, 40000),
                new InetSocketAddress("10.0.0.1", 80), tlvs);
        try {
            return ByteBufUtil.getBytes(b);
        } finally {
            b.release();
        }
    }

    private static byte[] concat(byte[] a, String b) {
        byte[] t = b.getBytes(US_ASCII);
        byte[] out = java.util.Arrays.copyOf(a, a.length + t.length);
        System.arraycopy(t, 0, out, a.length, t.length);
        return out;
    }

    private static final String GET = "GET /h HTTP/1.1\r\nHost: pp.test\r\nConnection: close\r\n\r\n";

    @Test
    void badHeadersAreClosedAndTheGatewayKeepsServing() throws IOException {
        byte[] good = v2("198.51.100.1", List.of());
        byte[] oversized = good.clone();
        oversized[14] = (byte) 0xEA; // length field: 60000
        oversized[15] = (byte) 0x60;
        List<byte[]> bad = List.of(
                GET.getBytes(US_ASCII),                                                      // no header
                java.util.Arrays.copyOf(good, 20),                                           // truncated v2, then silence
                concat(oversized, GET),                                                      // oversized v2
                ("PROXY TCP4 127.0.0.999 127.0.0.1 1 2\r\n" + GET).getBytes(US_ASCII),      // bad v1 address
                ("PROXY TCP4 ::1 127.0.0.1 1 2\r\n" + GET).getBytes(US_ASCII));             // family mismatch
        for (byte[] b : bad) {
            long t0 = System.nanoTime();
            assertEquals(0, exchangeRaw(CLIENT, ppPlain, b).length, "closed without an answer");
            assertTrue(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0) < 5000, "within the 1 s deadline");
        }
        assertEquals(CLIENT, viaCurl("http://127.0.0.1:" + fe.get("v1") + "/h").header("x-real-ip"), "still serving");
        assertTrue(gw.isAlive());
        JsonNode counters = gw.admin().get("/status").expect(200).json().path("proxy_protocol");
        assertTrue(counters.path("rejected").asLong() >= 4, counters::toString);
        assertTrue(counters.path("timed_out").asLong() >= 1, counters::toString);
        assertTrue(counters.path("v1").asLong() >= 1, counters::toString);
    }

    @Test
    void rawV2HeaderFromTheTrustedBalancerCarriesAnAwsVpceId() throws IOException {
        byte[] vpce = concat(new byte[] {1}, "vpce-0123456789abcdef0");
        byte[] req = concat(v2("203.0.113.50", List.of(new ProxyTlvs.Tlv(ProxyTlvs.AWS, vpce))),
                "GET /h HTTP/1.1\r\nHost: pp.test\r\nX-Amzn-Vpce-Id: vpce-forged\r\nConnection: close\r\n\r\n");
        EchoRequest up = EchoRequest.parse(body(exchangeRaw(LB, ppPlain, req)));
        assertEquals("203.0.113.50", up.header("x-real-ip"));
        assertEquals(List.of("vpce-0123456789abcdef0"), up.headerValues("x-amzn-vpce-id"));
        // The same bytes from an untrusted peer: neither its source nor its TLV is believed.
        EchoRequest untrusted = EchoRequest.parse(body(exchangeRaw(CLIENT, ppPlain, req)));
        assertEquals(CLIENT, untrusted.header("x-real-ip"));
        assertNull(untrusted.header("x-amzn-vpce-id"));
    }

    @Test
    void trustedPeerMayOmitTheHeaderUntrustedMayNot() throws IOException {
        EchoRequest up = EchoRequest.parse(body(exchangeRaw(LB, ppPlain, GET.getBytes(US_ASCII))));
        assertEquals(LB, up.header("x-real-ip"), "health check style: served, the peer is the client");
        assertEquals(0, exchangeRaw(OTHER_CLIENT, ppPlain, GET.getBytes(US_ASCII)).length, "untrusted: closed");
        String local = body(exchangeRaw(LB, ppPlain, concat(new byte[] {0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A,
                0x51, 0x55, 0x49, 0x54, 0x0A, 0x20, 0x00, 0x00, 0x00}, GET)));
        assertEquals(LB, EchoRequest.parse(local).header("x-real-ip"), "v2 LOCAL: no address, the peer stays");
    }

    @Test
    void listenerWithoutTheFlagIgnoresProxyLines() throws IOException {
        // Kong: a PROXY line on a listener without the flag is just a bad request.
        String r = new String(exchangeRaw(LB, noPp, ("PROXY TCP4 1.2.3.4 127.0.0.1 1 2\r\n" + GET)
                .getBytes(US_ASCII)), US_ASCII);
        assertTrue(r.startsWith("HTTP/1.1 400"), r);
    }

    // ------------------------------------------------------------------ helpers

    private static String body(byte[] response) {
        String r = new String(response, java.nio.charset.StandardCharsets.UTF_8);
        assertTrue(r.startsWith("HTTP/1.1 200"), () -> r + "\n" + gw.output());
        return r.substring(r.indexOf("\r\n\r\n") + 4);
    }

    private static byte[] readAll(InputStream in) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        byte[] buf = new byte[8192];
        try {
            for (int n; (n = in.read(buf)) > 0; ) {
                out.write(buf, 0, n);
            }
        } catch (java.net.SocketException e) {
            // a reset after the close counts as closed
        }
        return out.toByteArray();
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

    private static void run(String... cmd) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), US_ASCII);
        if (!p.waitFor(30, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new IllegalStateException(String.join(" ", cmd) + " failed: " + out);
        }
    }
}
