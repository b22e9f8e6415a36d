package org.kongjava.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.kongjava.it.support.Closer;
import org.kongjava.it.support.Curl;
import org.kongjava.it.support.EchoServer;
import org.kongjava.it.support.EchoServer.EchoRequest;
import org.kongjava.it.support.Gateway;
import org.kongjava.it.support.Peers;

/** TLS termination end to end: ssl proxy and admin addresses of a real gateway, driven by curl and openssl. */
class TlsProxyTest {

    static EchoServer echo;
    static Gateway gw;

    @BeforeAll
    static void start() {
        echo = EchoServer.start();
        gw = Gateway.builder()
                .conf("proxy_listen", "127.0.0.1:0, 127.0.0.1:0 ssl")
                .conf("admin_listen", "127.0.0.1:0, 127.0.0.1:0 ssl")
                .start();
        gw.admin().create("/services", Map.of("name", "echo", "url", echo.url()));
        gw.admin().create("/services/echo/routes", Map.of("name", "tls", "paths", List.of("/tls"), "strip_path", false));
    }

    @AfterAll
    static void stop() {
        Closer.closeAll(gw, echo);
    }

    static Curl.Result httpsGet(String path) {
        return Curl.run("-k", "https://127.0.0.1:" + gw.proxyTlsPort() + path);
    }

    @Test
    void httpsRequestReachesTheUpstreamWithForwardedProtoHttps() {
        Curl.Result r = httpsGet("/tls/x");
        assertEquals(200, r.status(), r::toString);
        EchoRequest up = EchoRequest.parse(r.body());
        assertEquals("https", up.header("x-forwarded-proto"));
        assertEquals(String.valueOf(gw.proxyTlsPort()), up.header("x-forwarded-port"));
        assertEquals("/tls/x", up.uri());

        Curl.Result plain = Curl.run("http://127.0.0.1:" + gw.proxyPort() + "/tls/x");
        assertEquals(200, plain.status(), plain::toString);
        assertEquals("http", EchoRequest.parse(plain.body()).header("x-forwarded-proto"), "the plain address says http");
    }

    @Test
    void certificateAddedThroughTheAdminApiIsServedForItsSni() throws Exception {
        String name = "tls-it.test";
        String before = subject(gw.proxyTlsPort(), name);
        assertFalse(before.contains(name), "no certificate for " + name + " yet: " + before);

        Path dir = Files.createTempDirectory("tls-it");
        Path cert = dir.resolve("cert.pem");
        Path key = dir.resolve("key.pem");
        try {
            run(List.of(Peers.require("openssl").toString(), "req", "-x509", "-newkey", "rsa:2048", "-nodes",
                    "-keyout", key.toString(), "-out", cert.toString(), "-days", "30", "-subj", "/CN=" + name,
                    "-addext", "subjectAltName=DNS:" + name));
            gw.admin().create("/certificates", Map.of("cert", Files.readString(cert), "key", Files.readString(key),
                    "snis", List.of(name)));
        } finally {
            Files.deleteIfExists(cert);
            Files.deleteIfExists(key);
            Files.deleteIfExists(dir);
        }

        String after = subject(gw.proxyTlsPort(), name);
        assertTrue(after.contains("CN=" + name) || after.contains("CN = " + name), "served for its SNI: " + after);
        String other = subject(gw.proxyTlsPort(), "other.test");
        assertFalse(other.contains(name), "another SNI still gets the default certificate: " + other);
        // Requests over that handshake are proxied as usual.
        Curl.Result r = Curl.run("-k", "--resolve", name + ":" + gw.proxyTlsPort() + ":127.0.0.1",
                "https://" + name + ":" + gw.proxyTlsPort() + "/tls/sni");
        assertEquals(200, r.status(), r::toString);
    }

    @Test
    void adminApiAnswersOverTls() {
        Curl.Result r = Curl.run("-k", "https://127.0.0.1:" + gw.adminTlsPort() + "/services/echo");
        assertEquals(200, r.status(), r::toString);
        assertTrue(r.body().contains("\"name\":\"echo\""), r::toString);
    }

    @Test
    void plainHttpOnTheTlsPortIsClosedAndTheGatewayKeepsServing() throws IOException {
        try (Socket s = new Socket("127.0.0.1", gw.proxyTlsPort())) {
            s.setSoTimeout(10_000);
            s.getOutputStream().write("GET /tls/plain HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            s.getOutputStream().flush();
            byte[] got = readToEof(s.getInputStream());
            assertFalse(new String(got, StandardCharsets.ISO_8859_1).startsWith("HTTP/"),
                    "no HTTP answer on a TLS port");
        }
        assertTrue(gw.isAlive(), gw::output);
        Curl.Result r = httpsGet("/tls/after");
        assertEquals(200, r.status(), r::toString);
    }

    @Test
    void tls12And13AreServedAndATls10ClientIsRefusedUnderTheDefaultSuite() throws Exception {
        String openssl = Peers.require("openssl").toString();
        String connect = "127.0.0.1:" + gw.proxyTlsPort();
        String v13 = run(List.of(openssl, "s_client", "-connect", connect, "-tls1_3"));
        assertTrue(v13.contains("New, TLSv1.3,"), v13);
        String v12 = run(List.of(openssl, "s_client", "-connect", connect, "-tls1_2"));
        assertTrue(v12.contains("New, TLSv1.2,"), v12);
        // SECLEVEL=0 makes the client willing to speak TLS 1.0, so a refusal can only come from the gateway.
        String v10 = run(List.of(openssl, "s_client", "-connect", connect, "-tls1", "-cipher", "DEFAULT@SECLEVEL=0"));
        assertFalse(v10.contains("New, TLSv1,"), "TLS 1.0 negotiated under the default suite: " + v10);
        assertTrue(v10.contains("alert"), "the gateway answers a TLS 1.0 ClientHello with an alert: " + v10);
        assertEquals(200, httpsGet("/tls/after-tls10").status(), "the gateway keeps serving");
    }

    @Test
    void certificateRotatedThroughTheAdminApiUnderLoadFailsNoHandshake() throws Exception {
        String name = "rotate-it.test";
        Path dir = Files.createTempDirectory("tls-rotate");
        String[] certs = new String[2];
        String[] keys = new String[2];
        try {
            for (int i = 0; i < 2; i++) {
                Path cert = dir.resolve("cert" + i + ".pem");
                Path key = dir.resolve("key" + i + ".pem");
                run(List.of(Peers.require("openssl").toString(), "req", "-x509", "-newkey", "ec", "-pkeyopt",
                        "ec_paramgen_curve:P-256", "-nodes", "-keyout", key.toString(), "-out", cert.toString(),
                        "-days", "30", "-subj", "/CN=gen" + i + "." + name, "-addext", "subjectAltName=DNS:" + name));
                certs[i] = Files.readString(cert);
                keys[i] = Files.readString(key);
                Files.delete(cert);
                Files.delete(key);
            }
        } finally {
            Files.deleteIfExists(dir);
        }
        String id = gw.admin().create("/certificates", Map.of("cert", certs[0], "key", keys[0], "snis", List.of(name)))
                .get("id").asText();

        javax.net.ssl.SSLContext trustAll = javax.net.ssl.SSLContext.getInstance("TLS");
        trustAll.init(null, new javax.net.ssl.TrustManager[] {new javax.net.ssl.X509TrustManager() {
            public void checkClientTrusted(java.security.cert.X509Certificate[] c, String a) { }
            public void checkServerTrusted(java.security.cert.X509Certificate[] c, String a) { }
            public java.security.cert.X509Certificate[] getAcceptedIssuers() {
                return new java.security.cert.X509Certificate[0];
            }
        }}, null);
        java.util.concurrent.atomic.AtomicBoolean running = new java.util.concurrent.atomic.AtomicBoolean(true);
        java.util.concurrent.atomic.AtomicInteger handshakes = new java.util.concurrent.atomic.AtomicInteger();
        java.util.Set<String> seen = java.util.concurrent.ConcurrentHashMap.newKeySet();
        java.util.List<Throwable> failures = java.util.Collections.synchronizedList(new ArrayList<>());
        List<Thread> clients = new ArrayList<>();
        for (int t = 0; t < 4; t++) {
            clients.add(Thread.ofPlatform().start(() -> {
                while (running.get()) {
                    try (javax.net.ssl.SSLSocket s = (javax.net.ssl.SSLSocket) trustAll.getSocketFactory()
                            .createSocket("127.0.0.1", gw.proxyTlsPort())) {
                        s.setSoTimeout(10_000);
                        javax.net.ssl.SSLParameters p = s.getSSLParameters();
                        p.setServerNames(List.of(new javax.net.ssl.SNIHostName(name)));
                        s.setSSLParameters(p);
                        s.startHandshake();
                        seen.add(((java.security.cert.X509Certificate) s.getSession().getPeerCertificates()[0])
                                .getSubjectX500Principal().getName());
                        handshakes.incrementAndGet();
                    } catch (Throwable e) {
                        failures.add(e);
                    }
                }
            }));
        }
        try {
            for (int i = 1; i <= 10; i++) {
                Thread.sleep(150);
                gw.admin().patch("/certificates/" + id, Map.of("cert", certs[i % 2], "key", keys[i % 2])).expect(200);
            }
            Thread.sleep(150);
        } finally {
            running.set(false);
            for (Thread c : clients) {
                c.join(15_000);
            }
        }
        assertTrue(failures.isEmpty(), () -> failures.size() + " failed handshakes, first: " + failures.get(0));
        assertTrue(handshakes.get() >= 20, "handshakes during the rotation: " + handshakes.get());
        assertTrue(seen.contains("CN=gen0." + name) && seen.contains("CN=gen1." + name),
                "both certificates were served as they rotated: " + seen);
    }

    /** Everything until the peer closes; a read timeout fails the test (the connection must be closed). */
    private static byte[] readToEof(InputStream in) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        byte[] buf = new byte[1024];
        try {
            for (int n; (n = in.read(buf)) >= 0; ) {
                out.write(buf, 0, n);
            }
        } catch (SocketTimeoutException e) {
            throw new AssertionError("the TLS port kept a plain-HTTP connection open", e);
        } catch (java.net.SocketException e) {
            // a reset also closes the connection
        }
        return out.toByteArray();
    }

    /** The subject line of the certificate {@code openssl s_client} receives for {@code sni}. */
    private static String subject(int port, String sni) throws IOException, InterruptedException {
        String out = run(List.of(Peers.require("openssl").toString(), "s_client", "-connect", "127.0.0.1:" + port,
                "-servername", sni));
        return out.lines().filter(l -> l.startsWith("subject=")).findFirst()
                .orElseThrow(() -> new AssertionError("no subject in s_client output:\n" + out));
    }

    private static String run(List<String> cmd) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(new ArrayList<>(cmd)).redirectErrorStream(true).start();
        p.getOutputStream().close();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(30, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("did not finish: " + cmd);
        }
        return out;
    }
}
