package org.kongjava.core.proxyprotocol;

import static java.nio.charset.StandardCharsets.US_ASCII;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.util.ReferenceCountUtil;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.kongjava.config.conf.ListenSpec;
import org.kongjava.config.net.CidrSet;
import org.kongjava.core.listener.ConnectionInfo;
import org.kongjava.core.listener.ListenerManager;
import org.kongjava.core.listener.PipelineNames;
import org.kongjava.core.testing.LeakCheck;
import org.kongjava.core.transport.EventLoops;

/**
 * Real peers: haproxy in front of a Netty server built with {@link ListenerManager} and
 * {@link ProxyProtocolPipeline}, with {@code send-proxy} (v1), {@code send-proxy-v2} plus TLVs, and
 * {@code send-proxy-v2 ssl} (the header before the TLS ClientHello); curl's {@code --haproxy-protocol}
 * directly. The client binds 127.0.0.5, haproxy connects from 127.0.0.1: the server must report 127.0.0.5.
 * Skipped when haproxy/curl/openssl are missing, unless {@code -Dit.requirePeers=true}.
 */
@ExtendWith(LeakCheck.class)
class HaproxyPeerTest {
    private static final String CLIENT_IP = "127.0.0.5";
    private static final boolean REQUIRE = Boolean.getBoolean("it.requirePeers");

    @TempDir
    static Path dir;
    private static EventLoops loops;
    private static ListenerManager listeners;
    private static Process haproxy;
    private static int plainPort;
    private static int tlsPort;
    private static int feV1;
    private static int feV2;
    private static int feTls;
    private static int feV6v1;
    private static int feV6v2;
    private static boolean ipv6;
    private static final ProxyProtocolStats STATS = new ProxyProtocolStats();

    @BeforeAll
    static void start() throws Exception {
        requirePeer(Files.isExecutable(Path.of("/usr/sbin/haproxy")), "haproxy at /usr/sbin/haproxy");
        requirePeer(Files.isExecutable(Path.of("/usr/bin/openssl")), "openssl at /usr/bin/openssl");
        Path cert = dir.resolve("cert.pem");
        Path key = dir.resolve("key.pem");
        run("/usr/bin/openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
                "-keyout", key.toString(), "-out", cert.toString(), "-days", "1", "-subj", "/CN=localhost");
        Files.writeString(dir.resolve("site.pem"), Files.readString(cert) + Files.readString(key));
        SslContext serverTls = SslContextBuilder.forServer(cert.toFile(), key.toFile()).build();

        loops = new EventLoops(2);
        listeners = new ListenerManager(loops);
        ProxyProtocolSettings settings = new ProxyProtocolSettings(2_000, 4096, CidrSet.EMPTY, STATS);
        ListenSpec plain = new ListenSpec("proxy_listen", "127.0.0.1", 0, false, false, true, false, false, false,
                false, -1, null, null, false);
        ListenSpec tls = new ListenSpec("proxy_listen", "127.0.0.1", 0, true, false, true, false, false, false,
                false, -1, null, null, false);
        plainPort = listeners.bind(plain, (ch, spec) -> {
            ProxyProtocolPipeline.install(ch, spec, settings);
            ch.pipeline().addLast(new Report());
        }).localAddress().getPort();
        tlsPort = listeners.bind(tls, (ch, spec) -> {
            ch.pipeline().addLast(PipelineNames.TLS, serverTls.newHandler(ch.alloc()));
            ch.pipeline().addLast(new Report());
            ProxyProtocolPipeline.install(ch, spec, settings); // called last on purpose: it still goes first
        }).localAddress().getPort();
        startHaproxy();
    }

    private static void startHaproxy() throws Exception {
        ipv6 = canBindIpv6Loopback();
        for (int attempt = 0; ; attempt++) {
            feV1 = freePort();
            feV2 = freePort();
            feTls = freePort();
            feV6v1 = freePort();
            feV6v2 = freePort();
            String cfg = ("""
                    global
                        maxconn 100
                    defaults
                        mode tcp
                        timeout connect 2s
                        timeout client 5s
                        timeout server 5s
                        unique-id-format %ci-%cp
                    frontend fe_v1
                        bind 127.0.0.1:FE_V1
                        default_backend be_v1
                    backend be_v1
                        server s 127.0.0.1:PLAIN send-proxy
                    frontend fe_v2
                        bind 127.0.0.1:FE_V2
                        default_backend be_v2
                    backend be_v2
                        server s 127.0.0.1:PLAIN send-proxy-v2 proxy-v2-options unique-id,crc32c
                    frontend fe_tls
                        bind 127.0.0.1:FE_TLS ssl crt SITE alpn h2,http/1.1
                        default_backend be_tls
                    backend be_tls
                        server s 127.0.0.1:TLS send-proxy-v2 proxy-v2-options authority,crc32c ssl verify none
                    """ + (!ipv6 ? "" : """
                    frontend fe_v6v1
                        bind [::1]:FE6V1
                        default_backend be_v1
                    frontend fe_v6v2
                        bind [::1]:FE6V2
                        default_backend be_v2
                    """)).replace("FE6V1", "" + feV6v1).replace("FE6V2", "" + feV6v2).replace("FE_V1", "" + feV1).replace("FE_V2", "" + feV2).replace("FE_TLS", "" + feTls)
                    .replace("PLAIN", "" + plainPort).replace("TLS", "" + tlsPort)
                    .replace("SITE", dir.resolve("site.pem").toString());
            Path file = dir.resolve("haproxy.cfg");
            Files.writeString(file, cfg);
            haproxy = new ProcessBuilder("/usr/sbin/haproxy", "-db", "-f", file.toString())
                    .redirectErrorStream(true).redirectOutput(dir.resolve("haproxy.log").toFile()).start();
            if (waitListening(feV1) && waitListening(feV2) && waitListening(feTls)) {
                // (the [::1] frontends are bound by the same process in the same step)
                return;
            }
            stopHaproxy();
            if (attempt == 1) {
                throw new IllegalStateException("haproxy did not start: " + Files.readString(dir.resolve("haproxy.log")));
            }
        }
    }

    @AfterAll
    static void stop() {
        stopHaproxy();
        if (listeners != null) {
            listeners.close();
        }
        if (loops != null) {
            loops.close();
        }
    }

    private static void stopHaproxy() {
        if (haproxy != null) {
            haproxy.destroy(); // by PID: this child process only
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

    /** Answers the first bytes with what the server learnt about the connection, then closes. */
    static final class Report extends ChannelInboundHandlerAdapter {
        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ReferenceCountUtil.release(msg);
            ConnectionInfo info = ctx.channel().attr(ConnectionInfo.KEY).get();
            ProxyHeader h = info.proxied();
            String body = "peer=" + info.peer().getAddress().getHostAddress()
                    + " source=" + (h == null || h.source() == null ? "-" : ProxyHeader.hostPort(h.source()))
                    + " version=" + (h == null ? "-" : h.version())
                    + " tlvs=" + (h == null ? "{}" : h.tlvs().named()) + "\n";
            String response = "HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\nContent-Length: " + body.length()
                    + "\r\nConnection: close\r\n\r\n" + body;
            ByteBuf out = ctx.alloc().buffer().writeBytes(response.getBytes(US_ASCII));
            ctx.writeAndFlush(out).addListener(ChannelFutureListener.CLOSE);
        }
    }

    @Test
    void sendProxyV1CarriesTheClientAddress() throws Exception {
        try (Socket s = clientSocket()) {
            s.connect(new InetSocketAddress("127.0.0.1", feV1), 2000);
            String r = exchange(s);
            assertTrue(r.contains("peer=127.0.0.1 "), r);
            assertTrue(r.contains("source=" + CLIENT_IP + ":" + s.getLocalPort() + " version=1 "), r);
        }
    }

    @Test
    void sendProxyV2CarriesTheClientAddressAndTlvs() throws Exception {
        try (Socket s = clientSocket()) {
            s.connect(new InetSocketAddress("127.0.0.1", feV2), 2000);
            String r = exchange(s);
            assertTrue(r.contains("source=" + CLIENT_IP + ":" + s.getLocalPort() + " version=2 "), r);
            // haproxy's unique-id-format %ci-%cp, sent as PP2_TYPE_UNIQUE_ID; crc32c was checked on the way in.
            assertTrue(r.contains("unique_id=" + CLIENT_IP + "-" + s.getLocalPort()), r);
        }
    }

    @Test
    void ipv6ClientsThroughHaproxyV1AndV2() throws Exception {
        assumeTrue(ipv6, "no IPv6 loopback (::1) on this host");
        for (int port : new int[] {feV6v1, feV6v2}) {
            try (Socket s = new Socket()) {
                s.setSoTimeout(5000);
                s.bind(new InetSocketAddress("::1", 0));
                s.connect(new InetSocketAddress("::1", port), 2000);
                String r = exchange(s);
                // TCP6 (v1) and AF_INET6 (v2) headers, while the TCP peer is haproxy on 127.0.0.1.
                assertTrue(r.contains("peer=127.0.0.1 source=[0:0:0:0:0:0:0:1]:" + s.getLocalPort()), r);
                assertTrue(r.contains(" version=" + (port == feV6v1 ? 1 : 2) + " "), r);
            }
        }
    }

    @Test
    void sendProxyV2BeforeTlsCarriesAuthorityAndAlpn() throws Exception {
        SSLContext ctx = SSLContext.getInstance("TLS");
        ctx.init(null, new TrustManager[] {new TrustAll()}, null);
        try (Socket raw = clientSocket()) {
            raw.connect(new InetSocketAddress("127.0.0.1", feTls), 2000);
            try (SSLSocket s = (SSLSocket) ctx.getSocketFactory().createSocket(raw, "localhost", feTls, true)) {
                SSLParameters p = s.getSSLParameters();
                p.setServerNames(List.of(new SNIHostName("api.example.test")));
                p.setApplicationProtocols(new String[] {"http/1.1"});
                s.setSSLParameters(p);
                String r = exchange(s);
                assertTrue(r.contains("source=" + CLIENT_IP + ":" + raw.getLocalPort() + " version=2 "), r);
                assertTrue(r.contains("authority=api.example.test"), r);
                assertTrue(r.contains("alpn=http/1.1"), r);
            }
        }
    }

    @Test
    void curlHaproxyProtocolDirectly() throws Exception {
        requirePeer(Files.isExecutable(Path.of("/usr/bin/curl")), "curl at /usr/bin/curl");
        Process curl = new ProcessBuilder("/usr/bin/curl", "-s", "--max-time", "5", "--haproxy-protocol",
                "--interface", CLIENT_IP, "http://127.0.0.1:" + plainPort + "/").redirectErrorStream(true).start();
        String out = new String(curl.getInputStream().readAllBytes(), US_ASCII);
        assertTrue(curl.waitFor(10, TimeUnit.SECONDS));
        assertTrue(out.startsWith("peer=127.0.0.5 source=127.0.0.5:"), out);
        assertTrue(out.contains(" version=1 "), out);
    }

    @Test
    void badInputIsClosedAndTheServerKeepsServing() throws Exception {
        long rejectedBefore = STATS.rejected.sum();
        List<byte[]> bad = List.of(
                "GET / HTTP/1.1\r\nHost: a\r\n\r\n".getBytes(US_ASCII),                     // no header
                "PROXY TCP4 127.0.0.999 127.0.0.1 1 2\r\nGET / HTTP/1.0\r\n\r\n".getBytes(US_ASCII), // bad address
                V2Bytes.tcp4("1.2.3.4", "5.6.7.8", 1, 2).length(60000).bytes(),            // oversized
                V2Bytes.tcp4("1.2.3.4", "5.6.7.8", 1, 2).raw((byte) 0x02, (byte) 0, (byte) 9).bytes()); // truncated TLV
        for (byte[] b : bad) {
            try (Socket s = new Socket()) {
                s.setSoTimeout(5000);
                s.connect(new InetSocketAddress("127.0.0.1", plainPort), 2000);
                s.getOutputStream().write(b);
                s.getOutputStream().flush();
                assertEquals(0, readAll(s.getInputStream()).length, "closed without an answer");
            }
        }
        assertEquals(rejectedBefore + bad.size(), STATS.rejected.sum());
        try (Socket s = clientSocket()) {
            s.connect(new InetSocketAddress("127.0.0.1", feV1), 2000);
            assertTrue(exchange(s).contains("source=" + CLIENT_IP), "still serving");
        }
    }

    @Test
    void silentConnectionIsClosedAtTheDeadline() throws Exception {
        long before = STATS.timedOut.sum();
        try (Socket s = new Socket()) {
            s.setSoTimeout(10_000);
            s.connect(new InetSocketAddress("127.0.0.1", plainPort), 2000);
            s.getOutputStream().write("PROX".getBytes(US_ASCII)); // a start, then nothing
            long t0 = System.nanoTime();
            assertEquals(-1, s.getInputStream().read());
            long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
            assertTrue(ms >= 1_500 && ms < 8_000, "closed after " + ms + " ms (deadline 2000 ms)");
        }
        assertEquals(before + 1, STATS.timedOut.sum());
    }

    // ------------------------------------------------------------------ helpers

    private static Socket clientSocket() throws IOException {
        Socket s = new Socket();
        s.setSoTimeout(5000);
        s.bind(new InetSocketAddress(CLIENT_IP, 0));
        return s;
    }

    private static String exchange(Socket s) throws IOException {
        s.getOutputStream().write("GET / HTTP/1.0\r\n\r\n".getBytes(US_ASCII));
        s.getOutputStream().flush();
        String r = new String(readAll(s.getInputStream()), US_ASCII);
        assertTrue(r.startsWith("HTTP/1.0 200 OK"), r);
        return r;
    }

    private static byte[] readAll(InputStream in) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        byte[] buf = new byte[4096];
        try {
            for (int n; (n = in.read(buf)) > 0; ) {
                out.write(buf, 0, n);
            }
        } catch (java.net.SocketException e) {
            // A reset after the close counts as closed.
        }
        return out.toByteArray();
    }

    private static void requirePeer(boolean present, String what) {
        if (!present && REQUIRE) {
            throw new AssertionError(what + " is required (-Dit.requirePeers=true) but missing");
        }
        assumeTrue(present, what + " missing: skipped");
    }

    private static boolean canBindIpv6Loopback() {
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getByName("::1"))) {
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getByName("127.0.0.1"))) {
            return s.getLocalPort();
        }
    }

    private static boolean waitListening(int port) throws InterruptedException {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (System.nanoTime() < end) {
            if (!haproxy.isAlive()) {
                return false;
            }
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress("127.0.0.1", port), 200);
                return true;
            } catch (IOException e) {
                Thread.sleep(20);
            }
        }
        return false;
    }

    private static void run(String... cmd) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), US_ASCII);
        if (!p.waitFor(30, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new IllegalStateException(String.join(" ", cmd) + " failed: " + out);
        }
    }

    private static final class TrustAll implements X509TrustManager {
        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType) {
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType) {
        }

        @Override
        public X509Certificate[] getAcceptedIssuers() {
            return new X509Certificate[0];
        }
    }
}
