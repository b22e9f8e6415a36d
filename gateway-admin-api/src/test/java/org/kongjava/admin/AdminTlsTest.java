package org.kongjava.admin;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509ExtendedTrustManager;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.kongjava.config.conf.ListenSpec;
import org.kongjava.config.model.EntitySet;
import org.kongjava.config.store.MemoryConfigStore;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import org.kongjava.core.listener.ListenerManager;
import org.kongjava.core.listener.PipelineNames;
import org.kongjava.core.tls.TlsHandlers;
import org.kongjava.core.metrics.ServerCounters;
import org.kongjava.core.snapshot.ConfigWriter;
import org.kongjava.core.snapshot.SnapshotCompiler;
import org.kongjava.core.snapshot.SnapshotHolder;
import org.kongjava.core.testing.LeakCheck;
import org.kongjava.core.tls.ListenerTls;
import org.kongjava.core.tls.TlsCompiler;
import org.kongjava.core.transport.EventLoops;
import org.kongjava.tls.DefaultCertificates;
import org.kongjava.tls.ServerKeyMaterial;
import org.kongjava.tls.ServerTlsContexts;
import org.kongjava.tls.TlsSettings;

/**
 * The Admin API on {@code admin_listen … ssl} ({@code http2} or not): the certificate comes from the current
 * snapshot, so one added through the API is served on the next handshake while open connections go on; ALPN; bad
 * input closes cleanly; and real peers (curl, openssl s_client) when installed.
 */
@ExtendWith(LeakCheck.class)
class AdminTlsTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final boolean REQUIRE_PEERS = Boolean.getBoolean("it.requirePeers");

    @TempDir
    static Path dir;

    private static EventLoops loops;
    private static ListenerManager listeners;
    private static ConfigWriter writer;
    private static ServerKeyMaterial adminDefault;
    private static ServerKeyMaterial proxyDefault;
    private static int proxyPort;
    private static int h1Port;
    private static int h2Port;
    private static int plainPort;
    private static HttpClient client;

    @BeforeAll
    static void start() throws Exception {
        adminDefault = DefaultCertificates.ensure(dir, DefaultCertificates.Target.ADMIN);
        ListenSpec h1 = tlsSpec(false);
        ListenSpec h2 = tlsSpec(true);
        TlsCompiler tls = new TlsCompiler(new ServerTlsContexts(TlsSettings.DEFAULT));
        tls.register(ListenerTls.of(h1), adminDefault);
        tls.register(ListenerTls.of(h2), adminDefault);
        proxyDefault = DefaultCertificates.ensure(dir, DefaultCertificates.Target.PROXY);
        ListenSpec proxy = new ListenSpec("proxy_listen", "127.0.0.1", 0, true, false, false, false, false, false, false, -1,
                null, null, false);
        tls.register(ListenerTls.of(proxy), proxyDefault);
        SnapshotCompiler compiler = new SnapshotCompiler(tls);
        SnapshotHolder holder = new SnapshotHolder(compiler.compile(EntitySet.EMPTY));
        writer = new ConfigWriter(holder, compiler, new MemoryConfigStore());
        AdminContext ctx = new AdminContext(writer, holder, new ServerCounters(), "node", "host", Map.of(), "3.10.0", "test",
                1 << 20, AdminContext.DEFAULT_HEADERS);
        loops = new EventLoops(1);
        listeners = new ListenerManager(loops);
        AdminServer server = new AdminServer(ctx, 2_000);
        h1Port = listeners.bind(h1, server).localAddress().getPort();
        h2Port = listeners.bind(h2, server).localAddress().getPort();
        plainPort = listeners.bind(ListenSpec.plain("admin_listen", "127.0.0.1", 0), server).localAddress().getPort();
        // Stands in for the proxy: TLS from the same snapshot, then an echo.
        proxyPort = listeners.bind(proxy, (ch, l) -> {
            ch.pipeline().addLast(PipelineNames.TLS, TlsHandlers.sniHandler(holder, l, 5_000));
            ch.pipeline().addLast(new ChannelInboundHandlerAdapter() {
                @Override
                public void channelRead(ChannelHandlerContext c, Object msg) {
                    c.writeAndFlush(msg);
                }

                @Override
                public void exceptionCaught(ChannelHandlerContext c, Throwable cause) {
                    c.close();
                }
            });
        }).localAddress().getPort();
        SSLContext trustAll = SSLContext.getInstance("TLS");
        trustAll.init(null, new TrustManager[] {new TrustAll()}, null);
        client = HttpClient.newBuilder().sslContext(trustAll).connectTimeout(Duration.ofSeconds(5)).build();
    }

    private static ListenSpec tlsSpec(boolean http2) {
        return new ListenSpec("admin_listen", "127.0.0.1", 0, true, http2, false, false, false, false, false, -1, null, null, false);
    }

    @AfterAll
    static void stop() {
        listeners.close();
        writer.close();
        loops.close();
    }

    // ------------------------------------------------------------------ a raw HTTP/1.1 client over a JDK SSLSocket

    /** One kept-alive TLS connection with SNI, speaking HTTP/1.1 by hand. */
    static final class TlsConn implements AutoCloseable {
        final SSLSocket socket;

        TlsConn(int port, String sni, String... alpn) throws Exception {
            SSLContext ctx = SSLContext.getInstance("TLS");
            ctx.init(null, new TrustManager[] {new TrustAll()}, null);
            socket = (SSLSocket) ctx.getSocketFactory().createSocket("127.0.0.1", port);
            socket.setSoTimeout(5_000);
            SSLParameters p = socket.getSSLParameters();
            if (sni != null) {
                p.setServerNames(List.of(new SNIHostName(sni)));
            }
            if (alpn.length > 0) {
                p.setApplicationProtocols(alpn);
            }
            socket.setSSLParameters(p);
            socket.startHandshake();
        }

        X509Certificate peer() throws Exception {
            return (X509Certificate) socket.getSession().getPeerCertificates()[0];
        }

        String echo(String text) throws IOException {
            socket.getOutputStream().write(text.getBytes(StandardCharsets.US_ASCII));
            socket.getOutputStream().flush();
            return new String(socket.getInputStream().readNBytes(text.length()), StandardCharsets.US_ASCII);
        }

        /** Sends a request and reads one response; returns "status body". */
        String request(String method, String path, String jsonBody) throws IOException {
            byte[] body = jsonBody == null ? new byte[0] : jsonBody.getBytes(StandardCharsets.UTF_8);
            String head = method + " " + path + " HTTP/1.1\r\nHost: admin\r\n"
                    + (jsonBody == null ? "" : "Content-Type: application/json\r\n") + "Content-Length: " + body.length + "\r\n\r\n";
            OutputStream out = socket.getOutputStream();
            out.write(head.getBytes(StandardCharsets.US_ASCII));
            out.write(body);
            out.flush();
            InputStream in = socket.getInputStream();
            ByteArrayOutputStream headers = new ByteArrayOutputStream();
            while (!headers.toString(StandardCharsets.US_ASCII).endsWith("\r\n\r\n")) {
                int b = in.read();
                if (b < 0) {
                    throw new IOException("connection closed in the response head");
                }
                headers.write(b);
            }
            String h = headers.toString(StandardCharsets.US_ASCII);
            int status = Integer.parseInt(h.substring(9, 12));
            int length = 0;
            for (String line : h.split("\r\n")) {
                if (line.toLowerCase(java.util.Locale.ROOT).startsWith("content-length:")) {
                    length = Integer.parseInt(line.substring(15).trim());
                }
            }
            return status + " " + new String(in.readNBytes(length), StandardCharsets.UTF_8);
        }

        @Override
        public void close() throws IOException {
            socket.close();
        }
    }

    /** Accepts any server certificate and name (the admin certificate is self-signed). */
    static final class TrustAll extends X509ExtendedTrustManager {
        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket) {
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket) {
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine) {
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine) {
        }

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

    private static boolean isAdminDefault(X509Certificate served) throws Exception {
        return isDefault(adminDefault, served);
    }

    private static boolean isDefault(ServerKeyMaterial material, X509Certificate served) throws Exception {
        for (X509Certificate leaf : material.leaves()) {
            if (Arrays.equals(leaf.getEncoded(), served.getEncoded())) {
                return true;
            }
        }
        return false;
    }

    private static String certBody(TestPki.Pair p, String... snis) throws Exception {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("cert", p.certPem());
        m.put("key", p.keyPem());
        m.put("snis", List.of(snis));
        return JSON.writeValueAsString(m);
    }

    // ------------------------------------------------------------------ tests

    @Test
    void certificateAddedThroughTheApiIsServedByTheProxyListenerOnTheNextHandshake() throws Exception {
        TestPki.Pair secure = TestPki.selfSigned("secure.test", false);
        try (TlsConn admin = new TlsConn(h1Port, "secure.test"); TlsConn proxyBefore = new TlsConn(proxyPort, "secure.test")) {
            assertTrue(isAdminDefault(admin.peer()), "the admin certificate");
            assertTrue(isDefault(proxyDefault, proxyBefore.peer()), "no SNI entity yet: the proxy certificate");
            assertTrue(admin.request("GET", "/status", null).startsWith("200 "));

            // Written over the TLS Admin API; the answer comes once the new snapshot is live.
            String created = admin.request("POST", "/certificates", certBody(secure, "secure.test", "*.wild.test"));
            assertTrue(created.startsWith("201 "), created);
            try (TlsConn exact = new TlsConn(proxyPort, "secure.test"); TlsConn wild = new TlsConn(proxyPort, "a.wild.test");
                 TlsConn other = new TlsConn(proxyPort, "other.test"); TlsConn none = new TlsConn(proxyPort, null);
                 TlsConn adminNamed = new TlsConn(h2Port, "secure.test")) {
                assertArrayEquals(secure.cert().getEncoded(), exact.peer().getEncoded());
                assertArrayEquals(secure.cert().getEncoded(), wild.peer().getEncoded());
                assertTrue(isDefault(proxyDefault, other.peer()));
                assertTrue(isDefault(proxyDefault, none.peer()));
                // As in Kong, the Admin API always presents its own certificate.
                assertTrue(isAdminDefault(adminNamed.peer()));
                assertTrue(adminNamed.request("GET", "/certificates/secure.test", null)
                        .contains("\"snis\":[\"*.wild.test\",\"secure.test\"]"));
            }
            // Connections opened before the change keep their handshake and go on.
            assertTrue(isDefault(proxyDefault, proxyBefore.peer()));
            assertEquals("still here", proxyBefore.echo("still here"));
            assertTrue(admin.request("GET", "/snis", null).startsWith("200 "));
            assertTrue(admin.request("DELETE", "/certificates/secure.test", null).startsWith("204 "));
            try (TlsConn after = new TlsConn(proxyPort, "secure.test")) {
                assertTrue(isDefault(proxyDefault, after.peer()), "deleted: back to the proxy certificate");
            }
        }
    }

    @Test
    void alpnPicksHttp2OnlyWhereConfigured() throws Exception {
        HttpRequest req = HttpRequest.newBuilder(URI.create("https://127.0.0.1:" + h2Port + "/")).timeout(Duration.ofSeconds(10)).build();
        HttpResponse<String> r2 = client.send(req, HttpResponse.BodyHandlers.ofString());
        assertEquals(200, r2.statusCode());
        assertEquals(HttpClient.Version.HTTP_2, r2.version());
        assertTrue(r2.body().contains("\"tagline\":\"Welcome to kong\""));
        // Several requests multiplexed on one HTTP/2 connection, a write among them.
        List<java.util.concurrent.CompletableFuture<HttpResponse<String>>> many = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            many.add(client.sendAsync(HttpRequest.newBuilder(URI.create("https://127.0.0.1:" + h2Port + "/snis"))
                    .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString()));
        }
        for (var f : many) {
            assertEquals(200, f.get(10, TimeUnit.SECONDS).statusCode());
        }
        HttpResponse<String> notFound = client.send(HttpRequest.newBuilder(URI.create("https://127.0.0.1:" + h2Port + "/nope"))
                .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(404, notFound.statusCode());

        HttpResponse<String> r1 = client.send(HttpRequest.newBuilder(URI.create("https://127.0.0.1:" + h1Port + "/"))
                .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, r1.statusCode());
        assertEquals(HttpClient.Version.HTTP_1_1, r1.version());
        try (TlsConn c = new TlsConn(h2Port, null, "h2", "http/1.1")) {
            assertEquals("h2", c.socket.getApplicationProtocol());
        }
        try (TlsConn c = new TlsConn(h1Port, null, "h2", "http/1.1")) {
            assertEquals("http/1.1", c.socket.getApplicationProtocol());
        }
        try (TlsConn c = new TlsConn(h2Port, null)) {
            assertTrue(c.request("GET", "/status", null).startsWith("200 "), "no ALPN: HTTP/1.1");
        }
    }

    @Test
    void plainHttpAndGarbageOnTheTlsPortAreClosed() throws Exception {
        for (String junk : List.of("GET / HTTP/1.1\r\nHost: x\r\n\r\n", "\u0016\u0003\u0001\u0000\u0005hello-not-a-hello")) {
            try (Socket s = new Socket("127.0.0.1", h1Port)) {
                s.setSoTimeout(5_000);
                s.getOutputStream().write(junk.getBytes(StandardCharsets.ISO_8859_1));
                s.getOutputStream().flush();
                // Closed with at most a TLS alert record (content type 21), never an HTTP answer.
                byte[] got = readToEnd(s.getInputStream());
                assertTrue(got.length == 0 || got[0] == 21 && got.length <= 7, junk + ": " + Arrays.toString(got));
            }
        }
        // A client that connects and says nothing is dropped after the handshake timeout (2 s here).
        try (Socket s = new Socket("127.0.0.1", h1Port)) {
            s.setSoTimeout(8_000);
            long t0 = System.nanoTime();
            assertEquals(-1, readOrReset(s.getInputStream()));
            assertTrue(System.nanoTime() - t0 < TimeUnit.SECONDS.toNanos(7));
        }
        // And the listener still serves TLS afterwards; the plain listener still speaks plain HTTP.
        try (TlsConn c = new TlsConn(h1Port, "x.test")) {
            assertTrue(c.request("GET", "/", null).startsWith("200 "));
        }
        HttpResponse<String> plain = client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + plainPort + "/status"))
                .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, plain.statusCode());
    }

    private static byte[] readToEnd(InputStream in) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            in.transferTo(out);
        } catch (SocketException reset) {
            // a reset also ends it
        }
        return out.toByteArray();
    }

    private static int readOrReset(InputStream in) throws IOException {
        try {
            return in.read();
        } catch (SocketException reset) {
            return -1;
        }
    }

    // ------------------------------------------------------------------ real peers

    private static boolean hasTool(String tool) {
        for (String d : System.getenv().getOrDefault("PATH", "").split(java.io.File.pathSeparator)) {
            if (Files.isExecutable(Path.of(d, tool))) {
                return true;
            }
        }
        if (REQUIRE_PEERS) {
            throw new AssertionError(tool + " is not installed and -Dit.requirePeers=true");
        }
        return false;
    }

    private static String run(String stdin, String... cmd) throws Exception {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        try (OutputStream in = p.getOutputStream()) {
            if (stdin != null) {
                in.write(stdin.getBytes(StandardCharsets.UTF_8));
            }
        }
        byte[] out = p.getInputStream().readAllBytes();
        assertTrue(p.waitFor(20, TimeUnit.SECONDS), "peer did not finish: " + String.join(" ", cmd));
        return new String(out, StandardCharsets.UTF_8);
    }

    @Test
    void curl() throws Exception {
        assumeTrue(hasTool("curl"), "curl not installed");
        String h1 = run(null, "curl", "-sk", "--http1.1", "-o", "/dev/null", "-w", "%{http_code} %{http_version}",
                "https://127.0.0.1:" + h1Port + "/status");
        assertEquals("200 1.1", h1.trim());
        String h2 = run(null, "curl", "-sk", "--http2", "-w", " %{http_code} %{http_version}",
                "https://127.0.0.1:" + h2Port + "/");
        assertTrue(h2.trim().endsWith("200 2"), h2);
        assertTrue(h2.contains("Welcome to kong"), h2);
    }

    @Test
    void opensslSClient() throws Exception {
        assumeTrue(hasTool("openssl"), "openssl not installed");
        TestPki.Pair named = TestPki.selfSigned("s-client.test", true);
        try (TlsConn c = new TlsConn(h1Port, null)) {
            String created = c.request("POST", "/certificates", certBody(named, "s-client.test"));
            assertTrue(created.startsWith("201 "), created);
        }
        try {
            String out = run("", "openssl", "s_client", "-connect", "127.0.0.1:" + proxyPort, "-servername", "s-client.test");
            assertTrue(out.contains("CN = s-client.test") || out.contains("CN=s-client.test"), out);
            String admin = run("", "openssl", "s_client", "-connect", "127.0.0.1:" + h2Port, "-servername", "s-client.test",
                    "-alpn", "h2,http/1.1");
            assertTrue(admin.contains("CN = localhost") || admin.contains("CN=localhost"), admin);
            assertTrue(admin.contains("ALPN protocol: h2"), admin);
            String fallback = run("", "openssl", "s_client", "-connect", "127.0.0.1:" + h1Port, "-servername", "unknown.test");
            assertTrue(fallback.contains("CN = localhost") || fallback.contains("CN=localhost"), fallback);
        } finally {
            try (TlsConn c = new TlsConn(h1Port, null)) {
                c.request("DELETE", "/certificates/s-client.test", null);
            }
        }
    }
}
