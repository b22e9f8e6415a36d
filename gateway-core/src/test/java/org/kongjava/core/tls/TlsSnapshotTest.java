package org.kongjava.core.tls;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslProvider;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.kongjava.config.conf.ListenSpec;
import org.kongjava.config.model.Certificate;
import org.kongjava.config.model.EntitySet;
import org.kongjava.config.model.Sni;
import org.kongjava.config.store.MemoryConfigStore;
import org.kongjava.core.listener.ListenerManager;
import org.kongjava.core.listener.PipelineNames;
import org.kongjava.core.snapshot.ConfigWriter;
import org.kongjava.core.snapshot.SnapshotCompiler;
import org.kongjava.core.snapshot.SnapshotHolder;
import org.kongjava.core.testing.LeakCheck;
import org.kongjava.core.transport.EventLoops;
import org.kongjava.tls.AlpnMode;
import org.kongjava.tls.DefaultCertificates;
import org.kongjava.tls.ServerKeyMaterial;
import org.kongjava.tls.ServerTlsContexts;
import org.kongjava.tls.TlsSettings;

/**
 * The TLS part of the routing snapshot, end to end: a Netty listener whose pipeline starts with
 * {@link TlsHandlers#sniHandler}, JDK clients sending SNI, and configuration changes published through the
 * {@link ConfigWriter} while connections are open.
 */
@ExtendWith(LeakCheck.class)
class TlsSnapshotTest {
    private static final ListenerTls PROXY_H1 = new ListenerTls("proxy", AlpnMode.HTTP1);

    @TempDir
    static Path dir;

    private static EventLoops loops;
    private static ListenerManager listeners;
    private static TlsCompiler tls;
    private static SnapshotHolder holder;
    private static ConfigWriter writer;
    private static int port;
    private static int sniPort;
    private static ServerKeyMaterial listenerDefault;
    private static ServerKeyMaterial other;
    private static Pem certA;
    private static Pem certB;

    /** A certificate/key pair in PEM, from DefaultCertificates' generator. */
    record Pem(String cert, String key, X509Certificate leaf) {
    }

    @BeforeAll
    static void start() throws Exception {
        listenerDefault = DefaultCertificates.ensure(dir.resolve("d"), DefaultCertificates.Target.PROXY);
        other = DefaultCertificates.ensure(dir.resolve("o"), DefaultCertificates.Target.STATUS);
        certA = pem(dir.resolve("a"), DefaultCertificates.Target.PROXY);
        certB = pem(dir.resolve("b"), DefaultCertificates.Target.PROXY);

        tls = new TlsCompiler(new ServerTlsContexts(TlsSettings.DEFAULT));
        tls.register(PROXY_H1, listenerDefault);
        SnapshotCompiler compiler = new SnapshotCompiler(tls);
        holder = new SnapshotHolder(compiler.compile(EntitySet.EMPTY));
        writer = new ConfigWriter(holder, compiler, new MemoryConfigStore());
        loops = new EventLoops(1);
        listeners = new ListenerManager(loops);
        ListenSpec spec = new ListenSpec("proxy_listen", "127.0.0.1", 0, true, false, false, false, false, false, false, -1,
                null, null, false);
        port = listeners.bind(spec, (ch, l) -> {
            ch.pipeline().addLast(PipelineNames.TLS, TlsHandlers.sniHandler(holder, l, 5_000));
            ch.pipeline().addLast(new TlsProbe.Echo());
        }).localAddress().getPort();
        // Answers any bytes with the SNI recorded on the channel.
        sniPort = listeners.bind(spec, (ch, l) -> {
            ch.pipeline().addLast(PipelineNames.TLS, TlsHandlers.sniHandler(holder, l, 5_000));
            ch.pipeline().addLast(new io.netty.channel.ChannelInboundHandlerAdapter() {
                @Override
                public void channelRead(io.netty.channel.ChannelHandlerContext ctx, Object msg) {
                    io.netty.util.ReferenceCountUtil.release(msg);
                    String sni = String.valueOf(TlsHandlers.sni(ctx.channel()));
                    ctx.writeAndFlush(io.netty.buffer.Unpooled.copiedBuffer(String.format("%-20s", sni),
                            java.nio.charset.StandardCharsets.US_ASCII));
                }
            });
        }).localAddress().getPort();
    }

    private static Pem pem(Path prefix, DefaultCertificates.Target t) throws Exception {
        ServerKeyMaterial m = DefaultCertificates.ensure(prefix, t);
        DefaultCertificates.Paths p = DefaultCertificates.Paths.of(prefix, t);
        return new Pem(Files.readString(p.rsaCert()), Files.readString(p.rsaKey()), m.leaf());
    }

    @AfterAll
    static void stop() {
        listeners.close();
        writer.close();
        loops.close();
    }

    private static Certificate entity(UUID id, Pem p) {
        return new Certificate(id, p.cert(), p.key(), null, null, null, 1, 1);
    }

    private static Sni sni(String name, UUID cert) {
        return new Sni(UUID.randomUUID(), name, cert, null, 1, 1);
    }

    private static void apply(java.util.function.UnaryOperator<EntitySet> change) throws Exception {
        writer.submit(cur -> new ConfigWriter.Result<>(change.apply(cur), null)).get(10, TimeUnit.SECONDS);
    }

    private static void assertServed(X509Certificate expected, TlsProbe.Conn c) throws Exception {
        assertArrayEquals(expected.getEncoded(), c.peer().getEncoded(),
                () -> "served " + safePeer(c) + ", expected " + expected.getSubjectX500Principal());
    }

    /** A listener certificate is an RSA + ECDSA pair: the client gets one of the two. */
    private static void assertServed(ServerKeyMaterial expected, TlsProbe.Conn c) throws Exception {
        byte[] served = c.peer().getEncoded();
        boolean match = false;
        for (X509Certificate leaf : expected.leaves()) {
            match |= java.util.Arrays.equals(leaf.getEncoded(), served);
        }
        org.junit.jupiter.api.Assertions.assertTrue(match, () -> "served " + safePeer(c) + ", expected " + expected);
    }

    private static String safePeer(TlsProbe.Conn c) {
        try {
            return c.peer().getSubjectX500Principal() + " / " + c.peer().getSerialNumber();
        } catch (Exception e) {
            return e.toString();
        }
    }

    @Test
    void newCertificatesAreServedOnTheNextHandshakeAndOpenConnectionsStay() throws Exception {
        UUID a = UUID.randomUUID();
        UUID b = UUID.randomUUID();
        try (TlsProbe.Conn before = new TlsProbe.Conn(port, "api.example.test")) {
            assertServed(listenerDefault, before);
            assertEquals("ping", before.echo("ping"));

            apply(cur -> cur.withCertificate(entity(a, certA)).withSni(sni("api.example.test", a))
                    .withCertificate(entity(b, certB)).withSni(sni("*.wild.test", b)));
            try (TlsProbe.Conn exact = new TlsProbe.Conn(port, "API.example.test"); TlsProbe.Conn wild = new TlsProbe.Conn(port, "x.wild.test");
                 TlsProbe.Conn deep = new TlsProbe.Conn(port, "x.y.wild.test"); TlsProbe.Conn none = new TlsProbe.Conn(port, null)) {
                assertServed(certA.leaf(), exact);
                assertServed(certB.leaf(), wild);
                assertServed(listenerDefault, deep); // a certificate wildcard is one label
                assertServed(listenerDefault, none);
            }
            // The connection made before the change is untouched, certificate and all.
            assertEquals("pong", before.echo("pong"));
            assertServed(listenerDefault, before);

            // Removing the certificate (and its SNIs) sends the name back to the listener certificate.
            apply(cur -> {
                EntitySet next = cur;
                for (Sni s : cur.snis().values()) {
                    next = next.withoutSni(s.id());
                }
                return next.withoutCertificate(a).withoutCertificate(b);
            });
            try (TlsProbe.Conn after = new TlsProbe.Conn(port, "api.example.test")) {
                assertServed(listenerDefault, after);
            }
            assertEquals(0, tls.contexts().cachedCount(), "deleted certificates leave the context cache");
        }
    }

    @Test
    void replacedListenerCertificateIsServedAfterRepublish() throws Exception {
        try (TlsProbe.Conn before = new TlsProbe.Conn(port, "any.test")) {
            assertServed(listenerDefault, before);
            long version = holder.current().version();
            tls.register(PROXY_H1, other);
            try (TlsProbe.Conn stale = new TlsProbe.Conn(port, "any.test")) {
                assertServed(listenerDefault, stale); // not live until republished
            }
            writer.republish().get(10, TimeUnit.SECONDS);
            assertEquals(version, holder.current().version(), "republishing changes no entity");
            try (TlsProbe.Conn after = new TlsProbe.Conn(port, "any.test")) {
                assertServed(other, after);
            }
            assertEquals("still", before.echo("still"));
        } finally {
            tls.register(PROXY_H1, listenerDefault);
            writer.republish().get(10, TimeUnit.SECONDS);
        }
    }

    @Test
    void proxyIndexesCarryEntitiesPerAlpnModeAdminAndStatusOnlyTheirOwnCertificate() throws Exception {
        TlsCompiler c = new TlsCompiler(new ServerTlsContexts(TlsSettings.DEFAULT, SslProvider.JDK));
        assertSame(TlsSnapshot.NONE, c.compile(EntitySet.EMPTY));
        ListenerTls proxyH2 = new ListenerTls("proxy", AlpnMode.H2_AND_HTTP1);
        ListenerTls adminH2 = new ListenerTls("admin", AlpnMode.H2_AND_HTTP1);
        ListenerTls statusH1 = new ListenerTls("status", AlpnMode.HTTP1);
        c.register(PROXY_H1, listenerDefault);
        c.register(proxyH2, listenerDefault);
        c.register(adminH2, other);
        c.register(statusH1, listenerDefault);
        UUID a = UUID.randomUUID();
        EntitySet set = EntitySet.EMPTY.withCertificate(entity(a, certA)).withSni(sni("a.test", a)).withSni(sni("*", a));
        TlsSnapshot t = c.compile(set);
        assertEquals(4, t.listeners().size());
        SslContext proxyA = t.index(PROXY_H1).mapNow("a.test");
        SslContext proxyH2A = t.index(proxyH2).mapNow("a.test");
        assertEquals(List.of("http/1.1"), proxyA.applicationProtocolNegotiator().protocols());
        assertEquals(List.of("h2", "http/1.1"), proxyH2A.applicationProtocolNegotiator().protocols());
        assertNotSame(proxyA, t.index(PROXY_H1).defaultContext());
        assertEquals(2, c.contexts().cachedCount(), "one context per certificate and ALPN mode");
        // Kong's admin and status servers have a fixed certificate: SNI entities, even '*', do not apply.
        assertSame(t.index(adminH2).defaultContext(), t.index(adminH2).mapNow("a.test"));
        assertSame(t.index(statusH1).defaultContext(), t.index(statusH1).mapNow("anything.test"));
        assertEquals(0, t.index(adminH2).size());
        // Unchanged certificates are not rebuilt by the next compile.
        assertSame(proxyA, c.compile(set.withSni(sni("b.test", a))).index(PROXY_H1).mapNow("b.test"));
        assertNull(t.index(new ListenerTls("proxy", AlpnMode.NONE)));
    }

    private static void assertNotSame(Object a, Object b) {
        org.junit.jupiter.api.Assertions.assertNotSame(a, b);
    }

    @Test
    void listenerKeysFollowTheListenKey() {
        ListenSpec admin = new ListenSpec("admin_listen", "127.0.0.1", 8444, true, true, false, false, false, false, false, -1,
                null, null, false);
        assertEquals(new ListenerTls("admin", AlpnMode.H2_AND_HTTP1), ListenerTls.of(admin));
        assertEquals(new ListenerTls("proxy", AlpnMode.HTTP1), ListenerTls.of(ListenSpec.plain("proxy_listen", "0.0.0.0", 8443)));
        ListenSpec proxyH2 = new ListenSpec("proxy_listen", "0.0.0.0", 8443, true, true, false, false, false, false, false, -1,
                null, null, false);
        assertEquals(new ListenerTls("proxy", AlpnMode.H2_AND_HTTP1), ListenerTls.of(proxyH2), "http2 proxy addresses offer h2");
        assertEquals(new ListenerTls("proxy", AlpnMode.NONE), ListenerTls.of(ListenSpec.plain("stream_listen", "0.0.0.0", 9000)));
        assertEquals(new ListenerTls("status", AlpnMode.HTTP1), ListenerTls.of(ListenSpec.plain("status_listen", "0.0.0.0", 8100)));
    }

    @Test
    void unregisteredListenerRefusesHandshakes() throws Exception {
        SnapshotHolder h = new SnapshotHolder(new SnapshotCompiler().compile(EntitySet.EMPTY));
        TlsHandlers.SnapshotMapping m = new TlsHandlers.SnapshotMapping(h, PROXY_H1);
        io.netty.util.concurrent.Future<SslContext> f = m.map("x.test",
                io.netty.util.concurrent.ImmediateEventExecutor.INSTANCE.newPromise());
        assertEquals("no certificate registered for " + PROXY_H1, f.cause().getMessage());
    }

    @Test
    void garbageOnTheTlsPortIsClosed() throws Exception {
        try (Socket s = new Socket("127.0.0.1", port)) {
            s.setSoTimeout(5_000);
            s.getOutputStream().write("GET / HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            s.getOutputStream().flush();
            // No HTTP answer, no hang: the server closes (EOF, or a reset if our bytes were still unread).
            int r;
            try {
                r = s.getInputStream().read();
            } catch (java.net.SocketException reset) {
                r = -1;
            }
            assertEquals(-1, r);
        }
    }

    @Test
    void theClientsSniIsRecordedOnTheChannel() throws Exception {
        try (TlsProbe.Conn c = new TlsProbe.Conn(sniPort, "Named.Example.test")) {
            assertEquals("named.example.test", c.echo("x".repeat(20)).trim());
        }
        try (TlsProbe.Conn c = new TlsProbe.Conn(sniPort, null)) {
            assertEquals("null", c.echo("x".repeat(20)).trim());
        }
    }

    @Test
    void expiryMonitorReportsEntityAndListenerCertificatesNearTheirEnd() throws Exception {
        UUID a = UUID.randomUUID();
        apply(cur -> cur.withCertificate(entity(a, certA)).withSni(sni("monitor.test", a)));
        try (ExpiryMonitor monitor = new ExpiryMonitor(holder, tls)) {
            assertEquals(0, monitor.checkNow(java.time.Instant.now()));
            java.time.Instant nearEnd = certA.leaf().getNotAfter().toInstant().minus(java.time.Duration.ofDays(10));
            // certA (RSA) and the proxy listener's RSA + ECDSA pair: all generated now, all 20 years.
            assertEquals(3, monitor.checkNow(nearEnd));
        } finally {
            apply(cur -> cur.withoutSni(sniId(cur, "monitor.test")).withoutCertificate(a));
        }
    }

    private static UUID sniId(EntitySet set, String name) {
        return set.snis().values().stream().filter(s -> s.name().equals(name)).findFirst().orElseThrow().id();
    }

    @Test
    void manyNewCertificatesAreBuiltInTheBackgroundAndServedWhenAsked() throws Exception {
        int n = TlsCompiler.BUILD_INLINE_MAX + 8;
        List<UUID> ids = new java.util.ArrayList<>();
        apply(cur -> {
            EntitySet next = cur;
            for (int i = 0; i < n; i++) {
                UUID id = UUID.randomUUID();
                ids.add(id);
                next = next.withCertificate(entity(id, certB)).withSni(sni("bulk" + i + ".test", id));
            }
            return next;
        });
        try {
            // Whether built ahead or on demand, every name gets its certificate on its first handshake.
            for (int i = n - 1; i >= n - 3; i--) {
                try (TlsProbe.Conn c = new TlsProbe.Conn(port, "bulk" + i + ".test")) {
                    assertServed(certB.leaf(), c);
                }
            }
            long deadline = System.nanoTime() + java.time.Duration.ofSeconds(20).toNanos();
            while (tls.builtCount() < n && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            assertEquals(n, tls.builtCount(), "the background builds finish");
        } finally {
            apply(cur -> {
                EntitySet next = cur;
                for (Sni s : cur.snis().values()) {
                    next = next.withoutSni(s.id());
                }
                for (UUID id : ids) {
                    next = next.withoutCertificate(id);
                }
                return next;
            });
        }
        assertEquals(0, tls.builtCount());
    }

    /**
     * The proxy reads only on demand (AUTO_READ off): the TLS handlers must still drive the handshake, and the
     * protocol handler added after ALPN starts reading itself.
     */
    @Test
    void tlsWorksOnConnectionsThatReadOnDemand() throws Exception {
        ListenSpec spec = new ListenSpec("proxy_listen", "127.0.0.1", 0, true, false, false, false, false, false, false, -1,
                null, null, false);
        int onDemand = listeners.bind(spec, (ch, l) -> {
            ch.config().setAutoRead(false);
            TlsHandlers.addTls(ch.pipeline(), holder, l, 5_000, p -> p.addLast(new io.netty.channel.ChannelInboundHandlerAdapter() {
                @Override
                public void handlerAdded(io.netty.channel.ChannelHandlerContext ctx) {
                    ctx.read();
                }

                @Override
                public void channelRead(io.netty.channel.ChannelHandlerContext ctx, Object msg) {
                    ctx.writeAndFlush(msg).addListener(f -> ctx.read());
                }
            }), null);
        }).localAddress().getPort();
        try (TlsProbe.Conn c = new TlsProbe.Conn(onDemand, "on.demand.test")) {
            assertServed(listenerDefault, c);
            assertEquals("one", c.echo("one"));
            assertEquals("two", c.echo("two"));
        }
    }
}
