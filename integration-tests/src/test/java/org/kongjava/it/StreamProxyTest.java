package org.kongjava.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.zip.CRC32;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.kongjava.it.support.Admin;
import org.kongjava.it.support.Closer;
import org.kongjava.it.support.Gateway;
import org.kongjava.it.support.Peers;
import org.kongjava.it.support.Poll;
import org.kongjava.it.support.Ports;

/**
 * The stream proxy end to end: a real gateway with six {@code stream_listen} addresses, real peers (socat, nc,
 * openssl s_client/s_server, haproxy with send-proxy-v2) and a Java TCP echo server, routes written through the
 * Admin API.
 * <pre>
 *   L1 plain          tcp → greeter (server speaks first);  tls_passthrough snis=pass.test → s_server
 *   L2 ssl            tls snis=term.test → echo (terminated with the gateway's certificate)
 *   L3 proxy_protocol tcp sources=127.0.0.2 → echo (haproxy in front; trusted_ips=127.0.0.1)
 *   L4 plain          tcp → service protocol=tls → s_server
 *   L5 plain          tcp → echo (bulk, many connections)
 *   L6 plain          tls_passthrough snis=only.test → s_server (nothing else)
 * </pre>
 */
class StreamProxyTest {
    static Gateway gw;
    static Path dir;
    static final List<Process> peers = new ArrayList<>();
    static ServerSocket echo;
    static final ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor();
    static int l1, l2, l3, l4, l5, l6, haproxyPort;

    @BeforeAll
    static void start() throws Exception {
        dir = Files.createTempDirectory("stream-it-");
        echo = new ServerSocket(0, 100, InetAddress.getLoopbackAddress());
        threads.execute(StreamProxyTest::echoLoop);
        int greeter = Ports.refused();
        Path greet = dir.resolve("greeter.sh");
        Files.writeString(greet, "#!/bin/sh\nprintf '220 ready\\r\\n'\nexec cat\n");
        greet.toFile().setExecutable(true);
        peers.add(startPeer("greeter", greeter, Peers.require("socat").toString(),
                "TCP-LISTEN:" + greeter + ",bind=127.0.0.1,reuseaddr,fork", "EXEC:" + greet));
        Path cert = dir.resolve("up.crt");
        Path key = dir.resolve("up.key");
        run(List.of(Peers.require("openssl").toString(), "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout",
                key.toString(), "-out", cert.toString(), "-days", "2", "-subj", "/CN=upstream.test"));
        int tlsUp = Ports.refused();
        peers.add(startPeer("s_server", tlsUp, Peers.require("openssl").toString(), "s_server", "-accept",
                "127.0.0.1:" + tlsUp, "-cert", cert.toString(), "-key", key.toString(), "-rev"));

        gw = Gateway.builder().javaOpts("-Xms32m -Xmx64m")
                .conf("stream_listen", "127.0.0.1:0, 127.0.0.1:0 ssl, 127.0.0.1:0 proxy_protocol, 127.0.0.1:0, "
                        + "127.0.0.1:0, 127.0.0.1:0")
                .conf("trusted_ips", "127.0.0.1")
                .start();
        List<Integer> ports = gw.listeners().stream().filter(l -> l.key().equals("stream_listen"))
                .map(Gateway.Listener::port).toList();
        assertEquals(6, ports.size(), gw.listeners()::toString);
        l1 = ports.get(0);
        l2 = ports.get(1);
        l3 = ports.get(2);
        l4 = ports.get(3);
        l5 = ports.get(4);
        l6 = ports.get(5);

        haproxyPort = Ports.refused();
        Path cfg = dir.resolve("haproxy.cfg");
        Files.writeString(cfg, """
                global
                  maxconn 200
                defaults
                  mode tcp
                  timeout connect 5s
                  timeout client 30s
                  timeout server 30s
                frontend f
                  bind 127.0.0.1:%d
                  default_backend b
                backend b
                  server gw 127.0.0.1:%d send-proxy-v2
                """.formatted(haproxyPort, l3));
        peers.add(startPeer("haproxy", haproxyPort, Peers.require("haproxy").toString(), "-db", "-f", cfg.toString()));

        Admin admin = gw.admin();
        service(admin, "greeter", "tcp", greeter);
        service(admin, "echo", "tcp", echo.getLocalPort());
        service(admin, "tls-up", "tcp", tlsUp);
        service(admin, "tls-origin", "tls", tlsUp);
        route(admin, "greeter", Map.of("name", "plain-tcp", "protocols", List.of("tcp"), "destinations", dst(l1)));
        route(admin, "tls-up", Map.of("name", "pass", "protocols", List.of("tls_passthrough"), "snis",
                List.of("pass.test"), "destinations", dst(l1)));
        route(admin, "echo", Map.of("name", "term", "protocols", List.of("tls"), "snis", List.of("term.test"),
                "destinations", dst(l2)));
        route(admin, "echo", Map.of("name", "via-haproxy", "protocols", List.of("tcp"), "sources",
                List.of(Map.of("ip", "127.0.0.2")), "destinations", dst(l3)));
        route(admin, "echo", Map.of("name", "denied", "protocols", List.of("tcp"), "sources",
                List.of(Map.of("ip", "127.0.0.4")), "destinations", dst(l3)));
        admin.create("/routes/denied/plugins", Map.of("name", "ip-restriction", "config", Map.of("deny", List.of("127.0.0.4"))));
        route(admin, "tls-origin", Map.of("name", "to-tls", "protocols", List.of("tcp"), "destinations", dst(l4)));
        route(admin, "echo", Map.of("name", "bulk", "protocols", List.of("tcp"), "destinations", dst(l5)));
        route(admin, "tls-up", Map.of("name", "only", "protocols", List.of("tls_passthrough"), "snis",
                List.of("only.test"), "destinations", dst(l6)));
    }

    @AfterAll
    static void stop() throws IOException {
        for (Process p : peers) {
            p.destroy();
        }
        if (echo != null) {
            echo.close();
        }
        threads.shutdownNow();
        Closer.closeAll(gw);
    }

    // ------------------------------------------------------------------ behaviour

    @Test
    void socatThroughAPlainPortWhereTheServerSpeaksFirst() throws Exception {
        long t0 = System.nanoTime();
        String out = run(List.of(Peers.require("socat").toString(), "-t", "5", "-", "TCP:127.0.0.1:" + l1), "hello\n");
        long ms = (System.nanoTime() - t0) / 1_000_000;
        // The greeting arrives (the port has SNI routes, but waits only stream_sni_wait_timeout), the line is echoed,
        // and socat's end of input (half-close) ends the upstream's cat, which ends the connection.
        assertEquals("220 ready\r\nhello\n", out);
        assertTrue(ms < 5000, "finished in " + ms + " ms");
    }

    @Test
    void netcatThroughAPlainPort() throws Exception {
        String out = run(List.of(Peers.require("nc").toString(), "-N", "127.0.0.1", String.valueOf(l5)), "from nc\n");
        assertEquals("from nc\n", out);
    }

    @Test
    void opensslTerminatedByTheGatewayWithItsCertificate() throws Exception {
        String out = interact(List.of(Peers.require("openssl").toString(), "s_client", "-connect", "127.0.0.1:" + l2,
                "-servername", "term.test"), "over tls\n", "\nover tls\n");
        assertTrue(subject(out).contains("localhost"), "the gateway's default certificate: " + subject(out));
    }

    @Test
    void opensslPassthroughSeesTheUpstreamCertificate() throws Exception {
        String out = interact(List.of(Peers.require("openssl").toString(), "s_client", "-connect", "127.0.0.1:" + l1,
                "-servername", "pass.test"), "abc\n", "\ncba\n");
        assertTrue(subject(out).contains("upstream.test"), "the upstream's own certificate: " + subject(out));
    }

    @Test
    void tlsServiceEncryptsToATlsUpstream() throws Exception {
        String out = run(List.of(Peers.require("socat").toString(), "-t", "3", "-", "TCP:127.0.0.1:" + l4), "hello\n");
        assertTrue(out.contains("olleh"), "s_server -rev answered over the gateway's TLS: " + out);
    }

    @Test
    void haproxySendProxyV2GivesTheClientAddressForSourcesRouting() throws Exception {
        // haproxy connects from 127.0.0.1 (trusted); the PROXY header carries the client's 127.0.0.2.
        try (Socket s = connectFrom("127.0.0.2", haproxyPort)) {
            s.getOutputStream().write("via haproxy".getBytes(StandardCharsets.US_ASCII));
            assertEquals("via haproxy", new String(s.getInputStream().readNBytes(11), StandardCharsets.US_ASCII));
        }
        // 127.0.0.3 matches no route: closed.
        try (Socket s = connectFrom("127.0.0.3", haproxyPort)) {
            s.getOutputStream().write("x".getBytes(StandardCharsets.US_ASCII));
            assertEquals(-1, s.getInputStream().read(), "closed for 127.0.0.3");
        }
        // 127.0.0.4 matches "denied", whose ip-restriction plugin refuses it: Kong's JSON answer, then closed.
        try (Socket s = connectFrom("127.0.0.4", haproxyPort)) {
            s.getOutputStream().write("x".getBytes(StandardCharsets.US_ASCII));
            assertEquals("{\"status\":403,\"message\":\"IP address not allowed: 127.0.0.4\"}",
                    new String(s.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
        }
        Poll.until(Duration.ofSeconds(5), () -> gw.output().contains("client 127.0.0.4 refused by ip-restriction plugin"),
                gw::output);
    }

    @Test
    void badInputIsClosedAndLoggedAndTheGatewayKeepsServing() throws Exception {
        // Plain text on the ssl port.
        String plain = run(List.of(Peers.require("socat").toString(), "-t", "3", "-", "TCP:127.0.0.1:" + l2),
                "GET / HTTP/1.0\r\n\r\n");
        assertEquals("", plain);
        // A ClientHello without SNI on the passthrough-only port.
        String noSni = run(List.of(Peers.require("openssl").toString(), "s_client", "-connect", "127.0.0.1:" + l6,
                "-noservername"), "");
        assertFalse(noSni.contains("subject="), noSni);
        // The right SNI there works.
        String ok = run(List.of(Peers.require("openssl").toString(), "s_client", "-connect", "127.0.0.1:" + l6,
                "-servername", "only.test"), "");
        assertTrue(subject(ok).contains("upstream.test"), ok);
        Poll.until(Duration.ofSeconds(5), () -> gw.output().contains("not a TLS connection")
                && gw.output().contains("no Route found with those values"), gw::output);
        assertEquals("still\n", run(List.of(Peers.require("nc").toString(), "-N", "127.0.0.1", String.valueOf(l5)), "still\n"));
        assertTrue(gw.isAlive(), gw::output);
    }

    @Test
    void oneGigabyteEachWayWithASmallHeap() throws Exception {
        long size = 1L << 30;
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", l5), 5000);
            s.setSoTimeout(60_000);
            Future<Long> received = threads.submit(() -> {
                CRC32 crc = new CRC32();
                InputStream in = s.getInputStream();
                byte[] buf = new byte[256 * 1024];
                long total = 0;
                for (int n; (n = in.read(buf)) > 0; ) {
                    crc.update(buf, 0, n);
                    total += n;
                }
                assertEquals(size, total, "every byte came back");
                return crc.getValue();
            });
            byte[] block = new byte[256 * 1024];
            new Random(42).nextBytes(block);
            CRC32 sent = new CRC32();
            OutputStream out = s.getOutputStream();
            long t0 = System.nanoTime();
            for (long done = 0; done < size; done += block.length) {
                block[0] = (byte) done; // not one block repeated verbatim
                out.write(block);
                sent.update(block);
            }
            s.shutdownOutput();
            assertEquals(sent.getValue(), (long) received.get(120, TimeUnit.SECONDS));
            long ms = (System.nanoTime() - t0) / 1_000_000;
            System.out.printf("1 GiB each way through the stream proxy (-Xmx64m): %d ms%n", ms);
        }
        assertTrue(gw.isAlive(), gw::output);
        assertFalse(gw.output().contains("OutOfMemoryError"), gw::output);
    }

    @Test
    void manyShortConnections() throws Exception {
        for (int i = 0; i < 1000; i++) {
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress("127.0.0.1", l5), 5000);
                s.setSoTimeout(5000);
                s.getOutputStream().write(i & 0xff);
                assertEquals(i & 0xff, s.getInputStream().read(), "connection " + i);
            }
        }
    }

    // ------------------------------------------------------------------ helpers

    static List<Map<String, Object>> dst(int port) {
        return List.of(Map.of("port", port));
    }

    static void service(Admin admin, String name, String protocol, int port) {
        admin.create("/services", Map.of("name", name, "protocol", protocol, "host", "127.0.0.1", "port", port,
                "retries", 1, "connect_timeout", 2000));
    }

    static void route(Admin admin, String service, Map<String, Object> body) {
        admin.create("/services/" + service + "/routes", body);
    }

    static Socket connectFrom(String source, int port) throws IOException {
        Socket s = new Socket();
        s.bind(new InetSocketAddress(source, 0));
        s.connect(new InetSocketAddress("127.0.0.1", port), 5000);
        s.setSoTimeout(5000);
        return s;
    }

    private static void echoLoop() {
        while (!echo.isClosed()) {
            try {
                Socket s = echo.accept();
                threads.execute(() -> {
                    try (s) {
                        InputStream in = s.getInputStream();
                        OutputStream out = s.getOutputStream();
                        byte[] buf = new byte[256 * 1024];
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

    private static Process startPeer(String name, int port, String... cmd) throws IOException {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true)
                .redirectOutput(dir.resolve(name + ".log").toFile()).start();
        Poll.until(Duration.ofSeconds(10), () -> !p.isAlive() || accepts(port), () -> name + " on " + port);
        if (!p.isAlive()) {
            throw new AssertionError(name + " exited: " + Files.readString(dir.resolve(name + ".log")));
        }
        return p;
    }

    private static boolean accepts(int port) {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", port), 200);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private static String subject(String sClientOutput) {
        return sClientOutput.lines().filter(l -> l.startsWith("subject=")).findFirst()
                .orElseThrow(() -> new AssertionError("no subject in s_client output:\n" + sClientOutput));
    }

    /**
     * Runs an interactive client: writes {@code stdin} (input stays open), waits until its output contains
     * {@code expect}, then stops it; returns the output. Fails after 20 s without it.
     */
    static String interact(List<String> cmd, String stdin, String expect) throws Exception {
        Process p = new ProcessBuilder(new ArrayList<>(cmd)).redirectErrorStream(true).start();
        StringBuffer out = new StringBuffer();
        threads.execute(() -> {
            try (InputStream in = p.getInputStream()) {
                byte[] buf = new byte[4096];
                for (int n; (n = in.read(buf)) > 0; ) {
                    out.append(new String(buf, 0, n, StandardCharsets.UTF_8));
                }
            } catch (IOException ignored) {
                // the process ended
            }
        });
        try {
            // The line goes in once the handshake is done (s_client prints the session first).
            Poll.until(Duration.ofSeconds(20), () -> out.indexOf("---\n") >= 0 || !p.isAlive(), () -> "handshake: " + out);
            p.getOutputStream().write(stdin.getBytes(StandardCharsets.UTF_8));
            p.getOutputStream().flush();
            Poll.until(Duration.ofSeconds(20), () -> out.indexOf(expect) >= 0, () -> "'" + expect.strip() + "' in " + out);
            return out.toString();
        } finally {
            p.destroyForcibly();
        }
    }

    static String run(List<String> cmd) throws IOException, InterruptedException {
        return run(cmd, "");
    }

    /** Runs {@code cmd} with {@code stdin} as its input (then end of input); returns stdout and stderr. */
    static String run(List<String> cmd, String stdin) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(new ArrayList<>(cmd)).redirectErrorStream(true).start();
        Future<byte[]> out = threads.submit(() -> p.getInputStream().readAllBytes());
        try (OutputStream in = p.getOutputStream()) {
            in.write(stdin.getBytes(StandardCharsets.UTF_8));
        } catch (IOException ignored) {
            // the program may exit before reading its input
        }
        if (!p.waitFor(30, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("did not finish: " + cmd);
        }
        try {
            return new String(out.get(5, TimeUnit.SECONDS), StandardCharsets.UTF_8);
        } catch (Exception e) {
            throw new UncheckedIOException(new IOException(e));
        }
    }
}
