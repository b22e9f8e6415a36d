package org.kongjava.it;

import static java.nio.charset.StandardCharsets.US_ASCII;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.kongjava.it.support.Closer;
import org.kongjava.it.support.EchoServer;
import org.kongjava.it.support.EchoServer.EchoRequest;
import org.kongjava.it.support.Gateway;

/**
 * X-Forwarded-For chains behind an L7 balancer ({@code real_ip_header = X-Forwarded-For}), with
 * {@code real_ip_recursive} off and on, from a trusted peer (127.0.0.7) and an untrusted one (127.0.0.5), and the
 * spoof attempts a client can make. ProxyHeadersTest covers the untrusted defaults.
 */
class RealIpChainTest {
    private static final String LB = "127.0.0.7";
    private static final String CLIENT = "127.0.0.5";

    static EchoServer echo;
    static Gateway lastHop;
    static Gateway recursive;

    @BeforeAll
    static void start() {
        echo = EchoServer.start();
        lastHop = gateway("off");
        recursive = gateway("on");
    }

    private static Gateway gateway(String recursiveFlag) {
        Gateway gw = Gateway.builder().conf("trusted_ips", LB + ", 10.0.0.0/8")
                .conf("real_ip_header", "X-Forwarded-For").conf("real_ip_recursive", recursiveFlag).start();
        gw.admin().create("/services", Map.of("name", "echo", "url", echo.url()));
        gw.admin().create("/services/echo/routes", Map.of("paths", List.of("/h"), "strip_path", false));
        return gw;
    }

    @AfterAll
    static void stop() {
        Closer.closeAll(lastHop, recursive, echo);
    }

    private static EchoRequest send(Gateway gw, String from, String... headers) throws IOException {
        StringBuilder sb = new StringBuilder("GET /h HTTP/1.1\r\nHost: chain.test\r\nConnection: close\r\n");
        for (String h : headers) {
            sb.append(h).append("\r\n");
        }
        try (Socket s = new Socket()) {
            s.setSoTimeout(10_000);
            s.bind(new InetSocketAddress(from, 0));
            s.connect(new InetSocketAddress("127.0.0.1", gw.proxyPort()), 2000);
            s.getOutputStream().write(sb.append("\r\n").toString().getBytes(US_ASCII));
            String r = new String(readAll(s.getInputStream()), StandardCharsets.UTF_8);
            assertTrue(r.startsWith("HTTP/1.1 200"), () -> r + "\n" + gw.output());
            return EchoRequest.parse(r.substring(r.indexOf("\r\n\r\n") + 4));
        }
    }

    @Test
    void recursiveOffTakesTheLastAddressFromATrustedPeer() throws IOException {
        EchoRequest up = send(lastHop, LB, "X-Forwarded-For: 1.1.1.1, 10.0.0.2", "X-Forwarded-Proto: https");
        assertEquals("10.0.0.2", up.header("x-real-ip"), "the balancer's entry, even though it is trusted");
        assertEquals("1.1.1.1, 10.0.0.2, " + LB, up.header("x-forwarded-for"));
        assertEquals("https", up.header("x-forwarded-proto"), "trusted: passed on");
    }

    @Test
    void recursiveOnSkipsTrustedHopsFromTheRight() throws IOException {
        EchoRequest up = send(recursive, LB, "X-Forwarded-For: 1.1.1.1, 10.0.0.3, 10.0.0.2");
        assertEquals("1.1.1.1", up.header("x-real-ip"));
        assertEquals("1.1.1.1, 10.0.0.3, 10.0.0.2, " + LB, up.header("x-forwarded-for"));
        EchoRequest allTrusted = send(recursive, LB, "X-Forwarded-For: 10.0.0.9, 10.0.0.2");
        assertEquals("10.0.0.9", allTrusted.header("x-real-ip"), "all trusted: the leftmost");
    }

    @Test
    void aClientCannotPrependItsOwnChoice() throws IOException {
        // The client sent "6.6.6.6"; the balancer appended the real client 1.1.1.1, which is not trusted: the scan
        // stops there.
        EchoRequest up = send(recursive, LB, "X-Forwarded-For: 6.6.6.6, 1.1.1.1, 10.0.0.2");
        assertEquals("1.1.1.1", up.header("x-real-ip"));
        EchoRequest garbage = send(recursive, LB, "X-Forwarded-For: 1.1.1.1, not-an-ip, 10.0.0.2");
        assertEquals("10.0.0.2", garbage.header("x-real-ip"), "an invalid entry stops the scan at the last good one");
    }

    @Test
    void untrustedPeerIsTheClientWhateverItSends() throws IOException {
        for (Gateway gw : List.of(lastHop, recursive)) {
            EchoRequest up = send(gw, CLIENT, "X-Forwarded-For: 10.0.0.2", "X-Real-IP: 10.0.0.2",
                    "X-Forwarded-Proto: https", "X-Forwarded-Host: evil.test", "X-Forwarded-Port: 1");
            assertEquals(CLIENT, up.header("x-real-ip"));
            assertEquals("10.0.0.2, " + CLIENT, up.header("x-forwarded-for"), "appended, as Kong does");
            assertEquals("http", up.header("x-forwarded-proto"));
            assertEquals("chain.test", up.header("x-forwarded-host"));
            assertEquals(String.valueOf(gw.proxyPort()), up.header("x-forwarded-port"));
        }
    }

    private static byte[] readAll(InputStream in) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        byte[] buf = new byte[8192];
        for (int n; (n = in.read(buf)) > 0; ) {
            out.write(buf, 0, n);
        }
        return out.toByteArray();
    }
}
