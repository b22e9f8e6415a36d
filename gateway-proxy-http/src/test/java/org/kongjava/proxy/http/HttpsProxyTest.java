package org.kongjava.proxy.http;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.handler.codec.http.HttpRequest;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
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
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.kongjava.config.conf.ListenSpec;
import org.kongjava.config.model.EntitySet;
import org.kongjava.config.schema.CertificateSchema;
import org.kongjava.config.schema.RouteSchema;
import org.kongjava.config.schema.ServiceSchema;
import org.kongjava.core.listener.ListenerManager;
import org.kongjava.core.metrics.ServerCounters;
import org.kongjava.core.snapshot.SnapshotCompiler;
import org.kongjava.core.snapshot.SnapshotHolder;
import org.kongjava.core.testing.LeakCheck;
import org.kongjava.core.tls.ListenerTls;
import org.kongjava.core.tls.TlsCompiler;
import org.kongjava.core.transport.EventLoops;
import org.kongjava.tls.DefaultCertificates;
import org.kongjava.tls.ServerKeyMaterial;
import org.kongjava.tls.ServerTlsContexts;
import org.kongjava.tls.TlsPemChecks;
import org.kongjava.tls.TlsSettings;

/**
 * The proxy on {@code ssl} addresses: the certificate by SNI from the snapshot, HTTP/1.1 after the handshake,
 * {@code X-Forwarded-Proto: https}, route {@code snis}, and https-only routes served over TLS but redirected on
 * plain HTTP. Real sockets, real routing (Service/Route entities through the compiled router).
 */
@ExtendWith(LeakCheck.class)
@Timeout(60)
class HttpsProxyTest {
    @TempDir
    static Path dir;

    static EventLoops loops;
    static TestBackend backend;
    static ListenerManager listeners;
    static HttpProxyPipelineFactory factory;
    static ServerKeyMaterial listenerDefault;
    static X509Certificate apiCert;
    static int tlsPort;
    static int plainPort;

    @BeforeAll
    static void start() throws Exception {
        loops = new EventLoops(2);
        backend = new TestBackend();
        listenerDefault = DefaultCertificates.ensure(dir.resolve("d"), DefaultCertificates.Target.PROXY);
        ServerKeyMaterial api = DefaultCertificates.ensure(dir.resolve("api"), DefaultCertificates.Target.STATUS);
        apiCert = api.leaf();
        DefaultCertificates.Paths apiFiles = DefaultCertificates.Paths.of(dir.resolve("api"), DefaultCertificates.Target.STATUS);

        long now = System.currentTimeMillis() / 1000;
        EntitySet set = ServiceSchema.INSTANCE.insert(EntitySet.EMPTY,
                Map.of("name", "backend", "url", "http://127.0.0.1:" + backend.port()), now).next();
        set = route(set, "by-sni", List.of("https"), List.of("/sni"), List.of("api.test"), 426, now);
        set = route(set, "all", List.of("http", "https"), List.of("/"), null, 426, now);
        set = route(set, "secure", List.of("https"), List.of("/secure"), null, 301, now);
        Map<String, Object> cert = new LinkedHashMap<>();
        cert.put("cert", Files.readString(apiFiles.rsaCert()));
        cert.put("key", Files.readString(apiFiles.rsaKey()));
        cert.put("snis", List.of("api.test"));
        set = new CertificateSchema(TlsPemChecks.INSTANCE).insert(set, cert, now).next();

        ListenSpec tls = new ListenSpec("proxy_listen", "127.0.0.1", 0, true, true, false, false, false, false, false, -1,
                null, null, false);
        TlsCompiler tlsCompiler = new TlsCompiler(new ServerTlsContexts(TlsSettings.DEFAULT));
        tlsCompiler.register(ListenerTls.of(tls), listenerDefault);
        SnapshotHolder holder = new SnapshotHolder(new SnapshotCompiler(tlsCompiler).compile(set));
        factory = new HttpProxyPipelineFactory(holder, loops, HttpProxySettings.defaults(), new ServerCounters());
        listeners = new ListenerManager(loops);
        tlsPort = listeners.bind(tls, factory).localAddress().getPort();
        plainPort = listeners.bind(ListenSpec.plain("proxy_listen", "127.0.0.1", 0), factory).localAddress().getPort();
    }

    private static EntitySet route(EntitySet set, String name, List<String> protocols, List<String> paths, List<String> snis,
                                   int redirect, long now) {
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("name", name);
        r.put("protocols", protocols);
        r.put("paths", paths);
        if (snis != null) {
            r.put("snis", snis);
        }
        r.put("https_redirect_status_code", redirect);
        r.put("service", Map.of("name", "backend"));
        return RouteSchema.INSTANCE.insert(set, r, now).next();
    }

    @AfterAll
    static void stop() {
        listeners.close();
        factory.close();
        backend.close();
        loops.close();
    }

    /** A response read from a raw socket. */
    record Response(int status, Map<String, String> headers, String body, X509Certificate peer, String alpn) {
    }

    private static Response request(boolean tls, String sni, String path) throws Exception {
        Socket s;
        if (tls) {
            SSLContext ctx = SSLContext.getInstance("TLS");
            ctx.init(null, new TrustManager[] {new TrustAll()}, null);
            SSLSocket ssl = (SSLSocket) ctx.getSocketFactory().createSocket("127.0.0.1", tlsPort);
            SSLParameters p = ssl.getSSLParameters();
            if (sni != null) {
                p.setServerNames(List.of(new SNIHostName(sni)));
            }
            p.setApplicationProtocols(new String[] {"http/1.1"}); // this raw client speaks HTTP/1.1 only
            ssl.setSSLParameters(p);
            ssl.startHandshake();
            s = ssl;
        } else {
            s = new Socket("127.0.0.1", plainPort);
        }
        try (s) {
            s.setSoTimeout(10_000);
            String host = sni != null ? sni : "example.test";
            s.getOutputStream().write(("GET " + path + " HTTP/1.1\r\nHost: " + host + "\r\nConnection: close\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            s.getOutputStream().flush();
            InputStream in = s.getInputStream();
            ByteArrayOutputStream all = new ByteArrayOutputStream();
            in.transferTo(all);
            String text = all.toString(StandardCharsets.ISO_8859_1);
            int split = text.indexOf("\r\n\r\n");
            String[] lines = text.substring(0, split).split("\r\n");
            Map<String, String> headers = new LinkedHashMap<>();
            for (int i = 1; i < lines.length; i++) {
                int c = lines[i].indexOf(':');
                headers.put(lines[i].substring(0, c).toLowerCase(Locale.ROOT), lines[i].substring(c + 1).trim());
            }
            X509Certificate peer = s instanceof SSLSocket ssl ? (X509Certificate) ssl.getSession().getPeerCertificates()[0] : null;
            String alpn = s instanceof SSLSocket ssl ? ssl.getApplicationProtocol() : null;
            return new Response(Integer.parseInt(lines[0].substring(9, 12)), headers, text.substring(split + 4), peer, alpn);
        }
    }

    private static HttpRequest upstream() throws InterruptedException {
        HttpRequest r = backend.requests.poll(10, TimeUnit.SECONDS);
        assertTrue(r != null, "the backend got no request");
        return r;
    }

    private static boolean isListenerDefault(X509Certificate c) throws Exception {
        for (X509Certificate leaf : listenerDefault.leaves()) {
            if (Arrays.equals(leaf.getEncoded(), c.getEncoded())) {
                return true;
            }
        }
        return false;
    }

    @Test
    void sniChoosesCertificateAndRouteAndUpstreamSeesHttps() throws Exception {
        backend.requests.clear();
        Response r = request(true, "api.test", "/sni/x");
        assertEquals(200, r.status());
        assertArrayEquals(apiCert.getEncoded(), r.peer().getEncoded());
        assertEquals("http/1.1", r.alpn(), "HTTP/1.1 by ALPN when the client offers only that");
        HttpRequest up = upstream();
        assertEquals("/x", up.uri(), "the route with snis matched (strip_path)");
        assertEquals("https", up.headers().get("X-Forwarded-Proto"));
        assertEquals(Integer.toString(tlsPort), up.headers().get("X-Forwarded-Port"));

        // Another name: the listener certificate, and the route with snis does not match.
        Response other = request(true, "other.test", "/sni/x");
        assertEquals(200, other.status());
        assertTrue(isListenerDefault(other.peer()));
        assertEquals("/sni/x", upstream().uri(), "fell through to the catch-all route");
    }

    @Test
    void httpsOnlyRoutesAreServedOverTlsAndRedirectedOnPlainHttp() throws Exception {
        backend.requests.clear();
        Response plain = request(false, null, "/secure/y?q=1");
        assertEquals(301, plain.status());
        assertEquals("https://example.test/secure/y?q=1", plain.headers().get("location"));
        Response tls = request(true, null, "/secure/y");
        assertEquals(200, tls.status());
        assertTrue(isListenerDefault(tls.peer()), "no SNI: the listener certificate");
        HttpRequest up = upstream();
        assertEquals("/y", up.uri(), "the https-only route matched (strip_path)");
        assertEquals("https", up.headers().get("X-Forwarded-Proto"));
    }

    @Test
    void plainHttpOnTheTlsPortIsClosed() throws Exception {
        try (Socket s = new Socket("127.0.0.1", tlsPort)) {
            s.setSoTimeout(10_000);
            s.getOutputStream().write("GET / HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            ByteArrayOutputStream got = new ByteArrayOutputStream();
            try {
                s.getInputStream().transferTo(got);
            } catch (IOException reset) {
                // a reset ends it too
            }
            byte[] b = got.toByteArray();
            assertTrue(b.length == 0 || b[0] == 21, "at most a TLS alert, never an HTTP answer");
        }
    }

    /** Accepts any server certificate (the test's are self-signed). */
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
}
