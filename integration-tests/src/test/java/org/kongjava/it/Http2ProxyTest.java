package org.kongjava.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.RandomAccessFile;
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

/**
 * HTTP/2 on proxy listeners of the real gateway: {@code http2 ssl} (h2 by ALPN) and plain {@code http2}
 * (prior-knowledge h2c next to HTTP/1.1), driven by curl, openssl and h2load, with HTTP/1.1 upstreams.
 * The gateway runs with a 96 MB heap, so the 100 MB upload only passes when the body streams.
 */
class Http2ProxyTest {

    static EchoServer echo;
    static Gateway gw;

    @BeforeAll
    static void start() {
        echo = EchoServer.start();
        gw = Gateway.builder()
                .conf("proxy_listen", "127.0.0.1:0 http2, 127.0.0.1:0 http2 ssl")
                .javaOpts("-Xms64m -Xmx96m")
                .start();
        gw.admin().create("/services", Map.of("name", "echo", "url", echo.url()));
        gw.admin().create("/services/echo/routes", Map.of("name", "h2", "paths", List.of("/h2"), "strip_path", false));
    }

    @AfterAll
    static void stop() {
        Closer.closeAll(gw, echo);
    }

    private static String tlsUrl(String path) {
        return "https://127.0.0.1:" + gw.proxyTlsPort() + path;
    }

    @Test
    void curlOverH2GetsKongHeadersAndTheUpstreamSeesHttp11AndHttps() {
        Curl.Result r = Curl.run("--http2", "-k", "-H", "X-Client: yes", tlsUrl("/h2/hello?q=1"));
        assertEquals(200, r.status(), r::toString);
        assertTrue(r.headerText().startsWith("HTTP/2 200"), r::toString);
        assertNotNull(r.header("x-kong-upstream-latency"), r::toString);
        assertNotNull(r.header("x-kong-proxy-latency"), r::toString);
        assertNotNull(r.header("x-kong-request-id"), r::toString);
        assertNull(r.header("connection"), "no connection header in HTTP/2: " + r);
        EchoRequest up = EchoRequest.parse(r.body());
        assertEquals("HTTP/1.1", up.version(), "upstreams stay HTTP/1.1");
        assertEquals("/h2/hello?q=1", up.uri());
        assertEquals("https", up.header("x-forwarded-proto"));
        assertEquals(String.valueOf(gw.proxyTlsPort()), up.header("x-forwarded-port"));
        assertEquals("yes", up.header("x-client"));
        assertTrue(up.header("via").startsWith("2 kong/"), up::summary);
        assertTrue(up.headers().stream().noneMatch(h -> h.get(0).toLowerCase().startsWith("x-http2-")), up::summary);
    }

    @Test
    void errorsKeepKongsBodiesOverH2() {
        Curl.Result r = Curl.run("--http2", "-k", tlsUrl("/nothing-here"));
        assertEquals(404, r.status(), r::toString);
        assertTrue(r.headerText().startsWith("HTTP/2 404"), r::toString);
        assertTrue(r.body().contains("no Route matched with those values"), r::toString);
    }

    @Test
    void opensslNegotiatesH2ByAlpn() throws Exception {
        String out = run(List.of(Peers.require("openssl").toString(), "s_client", "-connect",
                "127.0.0.1:" + gw.proxyTlsPort(), "-alpn", "h2,http/1.1"));
        assertTrue(out.contains("ALPN protocol: h2"), out);
        String h1 = run(List.of(Peers.require("openssl").toString(), "s_client", "-connect",
                "127.0.0.1:" + gw.proxyTlsPort(), "-alpn", "http/1.1"));
        assertTrue(h1.contains("ALPN protocol: http/1.1"), "HTTP/1.1 is still offered: " + h1);
    }

    @Test
    void plainHttp2AddressServesH2cWithPriorKnowledgeAndHttp11() {
        Curl.Result h2c = Curl.run("--http2-prior-knowledge", "http://127.0.0.1:" + gw.proxyPort() + "/h2/clear");
        assertEquals(200, h2c.status(), h2c::toString);
        assertTrue(h2c.headerText().startsWith("HTTP/2 200"), h2c::toString);
        assertEquals("http", EchoRequest.parse(h2c.body()).header("x-forwarded-proto"));
        Curl.Result h1 = Curl.run("--http1.1", "http://127.0.0.1:" + gw.proxyPort() + "/h2/clear");
        assertTrue(h1.headerText().startsWith("HTTP/1.1 200"), h1::toString);
    }

    @Test
    void h2loadRequestsAllSucceed() throws Exception {
        String out = run(List.of(Peers.require("h2load").toString(), "-n", "2000", "-c", "10", "-m", "10",
                tlsUrl("/h2/load")));
        assertTrue(out.contains("2000 succeeded, 0 failed, 0 errored"), out);
        assertTrue(out.contains("status codes: 2000 2xx"), out);
        assertTrue(out.contains("Application protocol: h2"), out);
        assertTrue(gw.isAlive(), gw::output);
    }

    @Test
    void hundredMegabyteUploadOverH2StreamsThroughA96MbHeap() throws IOException {
        Path dir = Files.createTempDirectory("h2-upload");
        Path file = dir.resolve("body.bin");
        long size = 100L << 20;
        try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "rw")) {
            f.setLength(size); // sparse: zeros, no disk to speak of
        }
        try {
            Curl.Result r = Curl.run("--http2", "-k", "-T", file.toString(), tlsUrl("/h2/upload"));
            assertEquals(200, r.status(), r::toString);
            assertTrue(r.headerText().startsWith("HTTP/2 200"), r::toString);
            assertEquals(size, EchoRequest.parse(r.body()).bodyLength(), "every byte reached the upstream");
            assertTrue(gw.isAlive(), gw::output);
            assertFalse(gw.output().contains("OutOfMemoryError"), gw::output);
        } finally {
            Files.deleteIfExists(file);
            Files.deleteIfExists(dir);
        }
    }

    private static String run(List<String> cmd) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(new ArrayList<>(cmd)).redirectErrorStream(true).start();
        p.getOutputStream().close();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("did not finish: " + cmd);
        }
        return out;
    }
}
