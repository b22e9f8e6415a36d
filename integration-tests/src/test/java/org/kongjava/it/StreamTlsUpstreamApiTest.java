package org.kongjava.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.ssl.SslHandler;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.kongjava.config.model.EntitySet;
import org.kongjava.config.model.Service;
import org.kongjava.config.schema.CaCertificateSchema;
import org.kongjava.config.schema.CertificateSchema;
import org.kongjava.config.schema.ServiceSchema;
import org.kongjava.core.upstream.UpstreamTlsCompiler;
import org.kongjava.core.upstream.UpstreamTlsContexts;
import org.kongjava.it.support.Peers;
import org.kongjava.it.support.Poll;
import org.kongjava.tls.UpstreamSslContexts;
import org.kongjava.tls.UpstreamTlsSettings;
import org.kongjava.tls.UpstreamVerificationException;

/**
 * The upstream TLS API the stream proxy uses for {@code tls} services ({@link UpstreamTlsContexts#newHandler}),
 * against {@code openssl s_server -Verify}: the upstream is verified, the service's client certificate presented,
 * and bytes pass both ways; without a client certificate or with the wrong CA the connection does not carry data.
 */
class StreamTlsUpstreamApiTest {
    static Path dir;
    static Process server;
    static int port;
    static MultiThreadIoEventLoopGroup group;
    static final long NOW = System.currentTimeMillis() / 1000;

    @BeforeAll
    static void start() throws Exception {
        Path openssl = Peers.require("openssl");
        dir = Files.createTempDirectory("stream-tls-it");
        Files.writeString(dir.resolve("server.pem"), UpstreamTlsTest.DIRECT.certPem());
        Files.writeString(dir.resolve("server.key"), UpstreamTlsTest.DIRECT.keyPem());
        Files.writeString(dir.resolve("client-ca.pem"), UpstreamTlsTest.CLIENT_CA.certPem());
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        // -rev answers every line reversed; -Verify makes a client certificate mandatory.
        server = new ProcessBuilder(openssl.toString(), "s_server", "-accept", "127.0.0.1:" + port, "-cert",
                dir.resolve("server.pem").toString(), "-key", dir.resolve("server.key").toString(), "-Verify", "1",
                "-CAfile", dir.resolve("client-ca.pem").toString(), "-rev", "-quiet")
                .redirectErrorStream(true).redirectOutput(dir.resolve("s_server.log").toFile()).start();
        Poll.until(Duration.ofSeconds(10), StreamTlsUpstreamApiTest::accepts, () -> "openssl s_server on " + port);
        group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
    }

    private static boolean accepts() {
        try (java.net.Socket s = new java.net.Socket("127.0.0.1", port)) {
            return true;
        } catch (java.io.IOException e) {
            return false;
        }
    }

    @AfterAll
    static void stop() {
        if (server != null) {
            server.destroyForcibly();
        }
        if (group != null) {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
        }
    }

    private static Map<String, Object> map(Object... kv) {
        Map<String, Object> m = new LinkedHashMap<>();
        for (int i = 0; i < kv.length; i += 2) {
            m.put((String) kv[i], kv[i + 1]);
        }
        return m;
    }

    /** A set with the test root and another CA, the client certificate, and tls services using them. */
    private static EntitySet entities() {
        var root = CaCertificateSchema.STORED.insert(EntitySet.EMPTY, map("cert", UpstreamTlsTest.ROOT.certPem()), NOW);
        var other = CaCertificateSchema.STORED.insert(root.next(), map("cert", UpstreamTlsTest.OTHER.certPem()), NOW);
        var cert = CertificateSchema.STORED.insert(other.next(), map("cert", UpstreamTlsTest.CLIENT.certPem(),
                "key", UpstreamTlsTest.CLIENT.keyPem()), NOW);
        EntitySet set = cert.next();
        Object clientRef = map("id", cert.entity().id().toString());
        set = ServiceSchema.INSTANCE.insert(set, map("name", "mtls", "protocol", "tls", "host", "127.0.0.1", "port", port,
                "tls_verify", true, "ca_certificates", List.of(root.entity().id().toString()),
                "client_certificate", clientRef), NOW).next();
        set = ServiceSchema.INSTANCE.insert(set, map("name", "no-client", "protocol", "tls", "host", "127.0.0.1",
                "port", port, "tls_verify", true, "ca_certificates", List.of(root.entity().id().toString())), NOW).next();
        set = ServiceSchema.INSTANCE.insert(set, map("name", "wrong-ca", "protocol", "tls", "host", "127.0.0.1",
                "port", port, "tls_verify", true, "ca_certificates", List.of(other.entity().id().toString()),
                "client_certificate", clientRef), NOW).next();
        return set;
    }

    /** What one connection saw: the handshake failure (or null) and the text received after sending a line. */
    record Outcome(Throwable handshakeFailure, String received) {
    }

    private static Outcome exchange(UpstreamTlsContexts contexts, Service s) throws Exception {
        SslHandler ssl = contexts.newHandler(s, "upstream.test", port, io.netty.buffer.ByteBufAllocator.DEFAULT);
        StringBuilder got = new StringBuilder();
        CompletableFuture<Void> closed = new CompletableFuture<>();
        Channel ch = new Bootstrap().group(group).channel(NioSocketChannel.class)
                .handler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel c) {
                        c.pipeline().addLast(ssl, new SimpleChannelInboundHandler<ByteBuf>() {
                            @Override
                            protected void channelRead0(ChannelHandlerContext ctx, ByteBuf msg) {
                                synchronized (got) {
                                    got.append(msg.toString(StandardCharsets.US_ASCII));
                                }
                            }

                            @Override
                            public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
                                ctx.close();
                            }
                        });
                        c.closeFuture().addListener(f -> closed.complete(null));
                    }
                })
                .connect(new InetSocketAddress("127.0.0.1", port)).sync().channel();
        ssl.handshakeFuture().await(10, TimeUnit.SECONDS);
        if (!ssl.handshakeFuture().isSuccess()) {
            ch.close();
            return new Outcome(ssl.handshakeFuture().cause(), "");
        }
        ch.writeAndFlush(Unpooled.copiedBuffer("stream tls\n", StandardCharsets.US_ASCII));
        Poll.until(Duration.ofSeconds(5), () -> closed.isDone() || got.toString().contains("\n"), () -> "an answer");
        ch.close().sync();
        synchronized (got) {
            return new Outcome(null, got.toString());
        }
    }

    @Test
    void tlsServiceVerifiesTheUpstreamAndPresentsItsClientCertificate() throws Exception {
        EntitySet set = entities();
        UpstreamTlsContexts contexts = new UpstreamTlsCompiler(UpstreamTlsSettings.defaults(), new UpstreamSslContexts())
                .compile(set);
        Outcome ok = exchange(contexts, ServiceSchema.INSTANCE.find(set, "mtls"));
        assertEquals(null, ok.handshakeFailure());
        assertEquals("slt maerts\n", ok.received().replace("\r", ""));

        // openssl refuses the connection without a client certificate: no answer comes back.
        Outcome noClient = exchange(contexts, ServiceSchema.INSTANCE.find(set, "no-client"));
        assertTrue(!noClient.received().contains("slt maerts"), noClient.toString());

        Outcome wrongCa = exchange(contexts, ServiceSchema.INSTANCE.find(set, "wrong-ca"));
        UpstreamVerificationException v = UpstreamVerificationException.find(wrongCa.handshakeFailure());
        assertNotEquals(null, v, String.valueOf(wrongCa.handshakeFailure()));
        assertEquals(UpstreamVerificationException.Reason.UNKNOWN_CA, v.reason());
    }

    /** One line through a stream listener of the real gateway; what came back before the close or a timeout. */
    private static String lineThrough(int gatewayPort) throws Exception {
        try (java.net.Socket s = new java.net.Socket("127.0.0.1", gatewayPort)) {
            s.setSoTimeout(5_000);
            s.getOutputStream().write("stream tls\n".getBytes(StandardCharsets.US_ASCII));
            s.getOutputStream().flush();
            java.io.ByteArrayOutputStream got = new java.io.ByteArrayOutputStream();
            byte[] buf = new byte[256];
            try {
                for (int n; !got.toString(StandardCharsets.US_ASCII).contains("\n") && (n = s.getInputStream().read(buf)) >= 0; ) {
                    got.write(buf, 0, n);
                }
            } catch (java.io.IOException closedOrTimedOut) {
                // nothing more
            }
            return got.toString(StandardCharsets.US_ASCII);
        }
    }

    @Test
    void streamTlsServiceThroughTheGatewayVerifiesTheUpstreamAndPresentsTheClientCertificate() throws Exception {
        try (org.kongjava.it.support.Gateway gw = org.kongjava.it.support.Gateway.builder()
                .conf("stream_listen", "127.0.0.1:0, 127.0.0.1:0").start()) {
            org.kongjava.it.support.Admin a = gw.admin();
            String root = a.create("/ca_certificates", Map.of("cert", UpstreamTlsTest.ROOT.certPem())).get("id").asText();
            String client = a.create("/certificates", Map.of("cert", UpstreamTlsTest.CLIENT.certPem(),
                    "key", UpstreamTlsTest.CLIENT.keyPem())).get("id").asText();
            // The upstream's host_header is the name verified and sent as SNI (the certificate is for upstream.test).
            a.create("/upstreams", Map.of("name", "s-tls", "host_header", "upstream.test"));
            a.create("/upstreams/s-tls/targets", Map.of("target", "127.0.0.1:" + port));
            a.create("/services", map("name", "mtls", "protocol", "tls", "host", "s-tls", "port", port,
                    "tls_verify", true, "ca_certificates", List.of(root), "client_certificate", Map.of("id", client)));
            a.create("/services", map("name", "no-client", "protocol", "tls", "host", "s-tls", "port", port,
                    "tls_verify", true, "ca_certificates", List.of(root)));
            List<Integer> ports = gw.listeners().stream().filter(l -> l.key().equals("stream_listen"))
                    .map(org.kongjava.it.support.Gateway.Listener::port).toList();
            a.create("/services/mtls/routes", Map.of("protocols", List.of("tcp"),
                    "destinations", List.of(Map.of("port", ports.get(0)))));
            a.create("/services/no-client/routes", Map.of("protocols", List.of("tcp"),
                    "destinations", List.of(Map.of("port", ports.get(1)))));

            assertEquals("slt maerts\n", lineThrough(ports.get(0)).replace("\r", ""),
                    "verified upstream, client certificate presented, bytes both ways");
            assertTrue(!lineThrough(ports.get(1)).contains("slt maerts"),
                    "s_server -Verify refuses the service without a client certificate");
        }
    }
}
