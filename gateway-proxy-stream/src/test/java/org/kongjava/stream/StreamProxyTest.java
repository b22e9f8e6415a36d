package org.kongjava.stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.haproxy.HAProxyCommand;
import io.netty.handler.codec.haproxy.HAProxyMessage;
import io.netty.handler.codec.haproxy.HAProxyMessageEncoder;
import io.netty.handler.codec.haproxy.HAProxyProtocolVersion;
import io.netty.handler.codec.haproxy.HAProxyProxiedProtocol;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.List;
import java.util.UUID;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Future;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.kongjava.config.model.CidrPort;
import org.kongjava.config.model.Protocol;
import org.kongjava.config.model.Route;
import org.kongjava.config.model.Service;
import org.kongjava.config.net.CidrSet;
import org.kongjava.core.testing.LeakCheck;

/** The stream proxy over real loopback sockets: one gateway, several listeners, plain and TLS upstreams. */
@ExtendWith(LeakCheck.class)
class StreamProxyTest {
    @TempDir
    static Path prefix;
    static StreamFixture fx;
    static int echoPort;
    static int greeterPort;
    static int tlsPort;
    static final List<String> upstreamSnis = new CopyOnWriteArrayList<>();

    /** Plain listener with tcp routes (by destination port is implicit: one listener each) and SNI routes. */
    static int plain;
    static int plainNoSni;
    static int ssl;
    static int proxied;
    static int tlsService;
    static int refusedPort;
    static int fast;
    static int source;
    static int verifying;
    static Service aclService;
    static Route aclRoute;

    @BeforeAll
    static void start() throws Exception {
        fx = new StreamFixture(prefix);
        echoPort = fx.server(StreamFixture::echo);
        greeterPort = fx.server(s -> {
            try {
                s.getOutputStream().write("220 greeter ready\r\n".getBytes(StandardCharsets.US_ASCII));
                s.getOutputStream().flush();
                StreamFixture.echo(s);
            } catch (IOException ignored) {
                // closed
            }
        });
        tlsPort = fx.tlsServer(upstreamSnis);
        try (var ignored = new java.net.ServerSocket(0)) {
            refusedPort = ignored.getLocalPort(); // closed again: connections are refused
        }
        StreamSettings settings = StreamSettings.defaults().withTrustedIps(CidrSet.parse("127.0.0.1"));
        StreamPipelineFactory f = fx.factory(settings, List.of(IpRestrictions.INSTANCE));
        plain = fx.listen(f, false, false);
        plainNoSni = fx.listen(f, false, false);
        ssl = fx.listen(f, true, false);
        proxied = fx.listen(f, false, true);
        tlsService = fx.listen(f, false, false);
        fast = fx.listen(f, false, false);
        source = fx.listen(f, false, false);
        verifying = fx.listen(f, false, false);
        fx.route("verify", fx.service("tls-verify", Protocol.TLS, tlsPort, 0, true), List.of(Protocol.TCP), null, null,
                List.of(new CidrPort(null, verifying)));
        int sourcePort = fx.server(sock -> {
            try {
                byte[] b = new byte[64 * 1024];
                OutputStream o = sock.getOutputStream();
                for (long i = 0; i < Long.getLong("source.mb", 8) * 16; i++) {
                    o.write(b);
                }
                sock.shutdownOutput();
            } catch (IOException ignored) {
                // closed
            }
        });
        fx.route("source", fx.service("source", Protocol.TCP, sourcePort, 0), List.of(Protocol.TCP), null, null,
                List.of(new CidrPort(null, source)));

        Service echo = fx.service("echo", Protocol.TCP, echoPort, 0);
        Service greeter = fx.service("greeter", Protocol.TCP, greeterPort, 0);
        Service tlsUp = fx.service("tls-up", Protocol.TCP, tlsPort, 0);
        Service tlsOrigin = fx.service("tls-origin", Protocol.TLS, tlsPort, 0);
        Service dead = fx.service("dead", Protocol.TCP, refusedPort, 2);
        // plain: tcp → greeter (server speaks first), passthrough by SNI → TLS upstream.
        fx.route("plain-tcp", greeter, List.of(Protocol.TCP), null, null, List.of(new CidrPort(null, plain)));
        fx.route("pass", tlsUp, List.of(Protocol.TLS_PASSTHROUGH), List.of("pass.test"), null,
                List.of(new CidrPort(null, plain)));
        fx.route("pass-only", tlsUp, List.of(Protocol.TLS_PASSTHROUGH), List.of("only.test"), null,
                List.of(new CidrPort(null, plainNoSni)));
        fx.route("term", echo, List.of(Protocol.TLS), List.of("term.test"), null, List.of(new CidrPort(null, ssl)));
        fx.route("term-default", echo, List.of(Protocol.TLS), null, null, List.of(new CidrPort(null, ssl)));
        fx.route("ssl-pass", tlsUp, List.of(Protocol.TLS_PASSTHROUGH), List.of("sslpass.test"), null,
                List.of(new CidrPort(null, ssl)));
        fx.route("from-10", echo, List.of(Protocol.TCP), null, List.of(new CidrPort("10.0.0.0/8", null)),
                List.of(new CidrPort(null, proxied)));
        Route denied = fx.route("denied", echo, List.of(Protocol.TCP), null, List.of(new CidrPort("192.0.2.0/24", null)),
                List.of(new CidrPort(null, proxied)));
        fx.ipRestriction("denied", denied, null, null, List.of("192.0.2.0/25"));
        aclService = fx.service("acl-echo", Protocol.TCP, echoPort, 0);
        aclRoute = fx.route("acl", aclService, List.of(Protocol.TCP), null, List.of(new CidrPort("203.0.113.0/24", null)),
                List.of(new CidrPort(null, proxied)));
        fx.route("dead", dead, List.of(Protocol.TCP), null, List.of(new CidrPort("198.51.100.0/24", null)),
                List.of(new CidrPort(null, proxied)));
        fx.route("fast", echo, List.of(Protocol.TCP), null, null, List.of(new CidrPort(null, fast)));
        fx.route("to-tls", tlsOrigin, List.of(Protocol.TCP), null, null, List.of(new CidrPort(null, tlsService)));
        fx.publish();
    }

    @AfterAll
    static void stop() throws Exception {
        fx.close();
    }

    private static byte[] readN(InputStream in, int n) throws IOException {
        byte[] b = in.readNBytes(n);
        assertEquals(n, b.length, "bytes before EOF");
        return b;
    }

    private static void assertClosedWithoutBytes(Socket s) {
        try (s) {
            int r = s.getInputStream().read();
            assertEquals(-1, r, "the gateway closes without sending");
        } catch (IOException e) {
            // a reset is a close too
        }
    }

    @Test
    void serverSpeaksFirstOnAPortWithSniRoutesDoesNotHang() throws Exception {
        long t0 = System.nanoTime();
        try (Socket s = StreamFixture.connect(plain)) {
            String greeting = new String(readN(s.getInputStream(), 19), StandardCharsets.US_ASCII);
            long ms = (System.nanoTime() - t0) / 1_000_000;
            assertEquals("220 greeter ready\r\n", greeting);
            assertTrue(ms < 2000, "greeting after " + ms + " ms");
            // Then bytes flow both ways, and half-close goes through: the greeter echoes, then ends.
            OutputStream out = s.getOutputStream();
            out.write("hello".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            assertEquals("hello", new String(readN(s.getInputStream(), 5), StandardCharsets.US_ASCII));
            s.shutdownOutput();
            assertEquals(-1, s.getInputStream().read());
        }
    }

    @Test
    void passthroughRelaysTheClientsTlsUntouched() throws Exception {
        try (SSLSocket s = StreamFixture.tlsConnect(plain, "pass.test")) {
            // The client sees the upstream's own certificate: the gateway did not terminate.
            assertEquals(fx.upstreamCert.cert().getSubjectX500Principal(), StreamFixture.peerCert(s).getSubjectX500Principal());
            s.getOutputStream().write("ping".getBytes(StandardCharsets.US_ASCII));
            s.getOutputStream().flush();
            assertEquals("ping", new String(readN(s.getInputStream(), 4), StandardCharsets.US_ASCII));
        }
        assertTrue(upstreamSnis.contains("pass.test"), "the upstream got the client's SNI: " + upstreamSnis);
    }

    @Test
    void clientHelloWithoutSniOnAPassthroughOnlyPortIsClosed() throws Exception {
        assertThrows(SSLException.class, () -> StreamFixture.tlsConnect(plainNoSni, null).close());
        // ...and an unknown SNI too, while the right one works.
        assertThrows(SSLException.class, () -> StreamFixture.tlsConnect(plainNoSni, "other.test").close());
        try (SSLSocket s = StreamFixture.tlsConnect(plainNoSni, "only.test")) {
            assertEquals(fx.upstreamCert.cert().getSubjectX500Principal(), StreamFixture.peerCert(s).getSubjectX500Principal());
        }
    }

    @Test
    void sslListenerTerminatesWithTheCertificateChosenBySni() throws Exception {
        try (SSLSocket s = StreamFixture.tlsConnect(ssl, "term.test")) {
            // The gateway's own (default, CN=localhost) certificate, not the upstream's.
            assertTrue(StreamFixture.peerCert(s).getSubjectX500Principal().getName().contains("localhost"),
                    StreamFixture.peerCert(s).getSubjectX500Principal().getName());
            byte[] data = new byte[300_000];
            new Random(1).nextBytes(data);
            Future<byte[]> back = fx.threads.submit(() -> readN(s.getInputStream(), data.length));
            s.getOutputStream().write(data);
            s.getOutputStream().flush();
            assertArrayEquals(data, back.get());
        }
        // No SNI: a tls route without snis takes it.
        try (SSLSocket s = StreamFixture.tlsConnect(ssl, null)) {
            s.getOutputStream().write("x".getBytes(StandardCharsets.US_ASCII));
            s.getOutputStream().flush();
            assertEquals('x', s.getInputStream().read());
        }
    }

    @Test
    void sslListenerPassesThroughTlsPassthroughRoutes() throws Exception {
        try (SSLSocket s = StreamFixture.tlsConnect(ssl, "sslpass.test")) {
            assertEquals(fx.upstreamCert.cert().getSubjectX500Principal(), StreamFixture.peerCert(s).getSubjectX500Principal());
        }
    }

    @Test
    void nonTlsClientOnAnSslListenerIsClosedAndTheListenerKeepsServing() throws Exception {
        Socket s = StreamFixture.connect(ssl);
        s.getOutputStream().write("GET / HTTP/1.1\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
        s.getOutputStream().flush();
        assertClosedWithoutBytes(s);
        try (SSLSocket t = StreamFixture.tlsConnect(ssl, "term.test")) {
            t.getOutputStream().write("y".getBytes(StandardCharsets.US_ASCII));
            t.getOutputStream().flush();
            assertEquals('y', t.getInputStream().read());
        }
    }

    private static byte[] proxyV2(String src, String dst, int dstPort) {
        EmbeddedChannel ch = new EmbeddedChannel(HAProxyMessageEncoder.INSTANCE);
        ch.writeOutbound(new HAProxyMessage(HAProxyProtocolVersion.V2, HAProxyCommand.PROXY,
                HAProxyProxiedProtocol.TCP4, src, dst, 40000, dstPort));
        ByteBuf b = ch.readOutbound();
        byte[] bytes = ByteBufUtil.getBytes(b);
        b.release();
        ch.finishAndReleaseAll();
        return bytes;
    }

    @Test
    void proxyProtocolSourceDrivesSourcesRouting() throws Exception {
        try (Socket s = StreamFixture.connect(proxied)) {
            OutputStream out = s.getOutputStream();
            out.write(proxyV2("10.9.8.7", "127.0.0.1", proxied));
            out.write("via-proxy".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            assertEquals("via-proxy", new String(readN(s.getInputStream(), 9), StandardCharsets.US_ASCII));
        }
        // A source no route takes: closed.
        Socket other = StreamFixture.connect(proxied);
        other.getOutputStream().write(proxyV2("172.16.0.1", "127.0.0.1", proxied));
        other.getOutputStream().flush();
        assertClosedWithoutBytes(other);
        // No PROXY header on a proxy_protocol listener: closed.
        Socket bare = StreamFixture.connect(proxied);
        bare.getOutputStream().write("hello there, no header\r\n".getBytes(StandardCharsets.US_ASCII));
        bare.getOutputStream().flush();
        assertClosedWithoutBytes(bare);
    }

    @Test
    void prereadHookDeniesByClientAddress() throws Exception {
        // Route "denied" matches 192.0.2.0/24; its ip-restriction plugin denies the lower half (Kong's JSON reply, then close).
        assertFalse(servedAs("192.0.2.10"));
        try (Socket ok = StreamFixture.connect(proxied)) {
            ok.getOutputStream().write(proxyV2("192.0.2.200", "127.0.0.1", proxied));
            ok.getOutputStream().write("x".getBytes(StandardCharsets.US_ASCII));
            ok.getOutputStream().flush();
            assertEquals('x', ok.getInputStream().read());
        }
    }

    /** Connects through the PROXY listener as {@code ip}; true when the echo answers, false when refused with Kong's reply. */
    private static boolean servedAs(String ip) throws IOException {
        try (Socket s = StreamFixture.connect(proxied)) {
            s.setSoTimeout(5000);
            s.getOutputStream().write(proxyV2(ip, "127.0.0.1", proxied));
            s.getOutputStream().write("y".getBytes(StandardCharsets.US_ASCII));
            s.getOutputStream().flush();
            int first = s.getInputStream().read();
            if (first == 'y') {
                return true;
            }
            byte[] rest = s.getInputStream().readAllBytes(); // ends: the gateway closes after its reply
            assertEquals("{\"status\":403,\"message\":\"IP address not allowed: " + ip + "\"}",
                    (char) first + new String(rest, StandardCharsets.UTF_8));
            return false;
        }
    }

    @Test
    void ipRestrictionPluginsRouteOverridesServiceAndChangesApplyToTheNextConnection() throws Exception {
        try {
            fx.ipRestriction("acl-service", null, aclService, null, List.of("203.0.113.0/24"));
            fx.ipRestriction("acl-route", aclRoute, null, null, List.of("203.0.113.0/25"));
            fx.publish();
            // The route's plugin replaces the service's: only the lower half is refused.
            assertFalse(servedAs("203.0.113.10"));
            assertTrue(servedAs("203.0.113.200"));
            // An allow list on the route, published without a restart: the next connections follow it.
            fx.ipRestriction("acl-route", aclRoute, null, List.of("203.0.113.10"), null);
            fx.publish();
            assertTrue(servedAs("203.0.113.10"));
            assertFalse(servedAs("203.0.113.200"));
            // Without the route's plugin the service's applies to the whole range.
            fx.plugins.remove(UUID.nameUUIDFromBytes("p-acl-route".getBytes()));
            fx.publish();
            assertFalse(servedAs("203.0.113.10"));
        } finally {
            fx.plugins.remove(UUID.nameUUIDFromBytes("p-acl-route".getBytes()));
            fx.plugins.remove(UUID.nameUUIDFromBytes("p-acl-service".getBytes()));
            fx.publish();
        }
    }

    @Test
    void connectFailuresAreRetriedThenTheClientIsClosed() throws Exception {
        Socket s = StreamFixture.connect(proxied);
        s.getOutputStream().write(proxyV2("198.51.100.1", "127.0.0.1", proxied));
        s.getOutputStream().flush();
        assertClosedWithoutBytes(s);
    }

    @Test
    void tlsServiceEncryptsToTheUpstreamWithTheServiceHostAsSni() throws Exception {
        try (Socket s = StreamFixture.connect(tlsService)) {
            s.getOutputStream().write("over-tls".getBytes(StandardCharsets.US_ASCII));
            s.getOutputStream().flush();
            assertEquals("over-tls", new String(readN(s.getInputStream(), 8), StandardCharsets.US_ASCII));
        }
        // An IP host sends no SNI (nginx).
        assertTrue(upstreamSnis.contains("-"), upstreamSnis.toString());
    }

    @Test
    void tlsVerifyRefusesAnUntrustedUpstreamAndClosesTheClient() throws Exception {
        // The upstream's self-signed certificate is not in the JVM's trust store: the handshake fails, the try
        // counts as failed, and the client is closed without a byte.
        Socket s = StreamFixture.connect(verifying);
        s.getOutputStream().write("secret".getBytes(StandardCharsets.US_ASCII));
        s.getOutputStream().flush();
        assertClosedWithoutBytes(s);
    }

    @Test
    void bulkBothWaysWithHalfClose() throws Exception {
        // Through the echo upstream via TLS termination would double the work; the plain greeter path echoes too.
        int size = Integer.getInteger("bulk.mb", 16) * 1024 * 1024;
        byte[] chunk = new byte[64 * 1024];
        new Random(7).nextBytes(chunk);
        try (Socket s = StreamFixture.connect(fast)) {
            Future<byte[]> digest = fx.threads.submit(() -> {
                MessageDigest md = MessageDigest.getInstance("SHA-256");
                InputStream in = s.getInputStream();
                byte[] buf = new byte[64 * 1024];
                long total = 0;
                for (int n; (n = in.read(buf)) > 0; ) {
                    md.update(buf, 0, n);
                    total += n;
                }
                assertEquals(size, total);
                return md.digest();
            });
            MessageDigest sent = MessageDigest.getInstance("SHA-256");
            OutputStream out = s.getOutputStream();
            for (int i = 0; i < size / chunk.length; i++) {
                out.write(chunk);
                sent.update(chunk);
            }
            out.flush();
            s.shutdownOutput();
            assertArrayEquals(sent.digest(), digest.get());
        }
    }

    @Test
    void halfClosedClientStillReceivesEverything() throws Exception {
        long size = Long.getLong("source.mb", 8) * 1024 * 1024;
        try (Socket s = StreamFixture.connect(source)) {
            s.shutdownOutput();
            InputStream in = s.getInputStream();
            byte[] buf = new byte[64 * 1024];
            long total = 0;
            for (int n; (n = in.read(buf)) > 0; ) {
                total += n;
            }
            assertEquals(size, total);
        }
    }

    @Test
    void manyShortConnections() throws Exception {
        for (int i = 0; i < 300; i++) {
            try (Socket s = StreamFixture.connect(fast)) {
                s.getOutputStream().write(new byte[] {(byte) i});
                assertEquals(i & 0xff, s.getInputStream().read());
            }
        }
        long deadline = System.currentTimeMillis() + 3000;
        while (fx.counters.connectionsActive.sum() > 0 && System.currentTimeMillis() < deadline) {
            Thread.sleep(10);
        }
        assertEquals(0, fx.counters.connectionsActive.sum(), "every connection was accounted as ended");
    }
}
