package org.kongjava.core.listener;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.kongjava.config.conf.ListenSpec;
import org.kongjava.core.transport.EventLoops;

/** The {@code transparent} flag, original destinations and the passthrough decision (capture itself: integration tests). */
class TransparentListenerTest {
    private EventLoops loops;
    private ListenerManager listeners;

    /** Answers "<original destination or null>" and closes. */
    private static final PipelineFactory ORIGINAL = (ch, spec) -> ch.pipeline().addLast(new ChannelInboundHandlerAdapter() {
        @Override
        public void channelActive(ChannelHandlerContext ctx) {
            ConnectionInfo info = ctx.channel().attr(ConnectionInfo.KEY).get();
            byte[] b = String.valueOf(info.originalDestination()).getBytes(StandardCharsets.US_ASCII);
            ctx.writeAndFlush(ctx.alloc().buffer().writeBytes(b)).addListener(f -> ctx.close());
        }
    });

    @BeforeEach
    void start() {
        loops = new EventLoops(1);
        listeners = new ListenerManager(loops);
    }

    @AfterEach
    void stop() {
        listeners.close();
        loops.close();
    }

    private static ListenSpec transparent(String host) {
        return new ListenSpec("proxy_listen", host, 0, false, false, false, true, false, false, false, -1, null, null,
                false);
    }

    private static String talk(InetSocketAddress a) throws Exception {
        try (Socket s = new Socket(a.getAddress(), a.getPort()); InputStream in = s.getInputStream()) {
            return new String(in.readAllBytes(), StandardCharsets.US_ASCII);
        }
    }

    private static boolean root() {
        return "root".equals(System.getProperty("user.name"));
    }

    @Test
    void uncapturedConnectionOnATransparentListenerHasItsLocalAddressAsOriginalDestination() throws Exception {
        assumeTrue(loops.isEpoll() && root(), "needs epoll and root (IP_TRANSPARENT); CI runs as root");
        BoundListener b = listeners.bind(transparent("127.0.0.1"), ORIGINAL);
        // Nothing captured it: no conntrack NAT entry (or one with the same address) -> the local address.
        assertEquals(b.localAddress().toString(), talk(b.localAddress()));
        BoundListener v6 = listeners.bind(transparent("::1"), ORIGINAL);
        assertEquals(v6.localAddress().toString(), talk(v6.localAddress()));
    }

    @Test
    void plainListenerComputesNoOriginalDestination() throws Exception {
        BoundListener b = listeners.bind(ListenSpec.plain("proxy_listen", "127.0.0.1", 0), ORIGINAL);
        assertEquals("null", talk(b.localAddress()));
    }

    @Test
    void transparentOnNioIsRefusedWithTheReason() {
        System.setProperty("kongjava.transport", "nio");
        EventLoops nio;
        try {
            nio = new EventLoops(1);
        } finally {
            System.clearProperty("kongjava.transport");
        }
        try (ListenerManager m = new ListenerManager(nio)) {
            ListenerManager.BindFailedException e = assertThrows(ListenerManager.BindFailedException.class,
                    () -> m.bind(transparent("127.0.0.1"), ORIGINAL));
            assertTrue(e.getMessage().contains("'transparent' flag needs the native epoll transport"), e.getMessage());
        } finally {
            nio.close();
        }
    }

    @Test
    void sockaddrInAndIn6AreDecoded() throws Exception {
        ByteBuffer v4 = ByteBuffer.allocate(16);
        v4.order(ByteOrder.nativeOrder()).putShort(0, (short) 2); // AF_INET, host order
        v4.put(2, (byte) 0x1f).put(3, (byte) 0x90); // port 8080, network order
        v4.put(4, (byte) 198).put(5, (byte) 18).put(6, (byte) 0).put(7, (byte) 10);
        assertEquals(new InetSocketAddress(InetAddress.getByName("198.18.0.10"), 8080),
                OriginalDestination.parseSockaddr(v4.order(ByteOrder.BIG_ENDIAN)));

        ByteBuffer v6 = ByteBuffer.allocate(28);
        v6.order(ByteOrder.nativeOrder()).putShort(0, (short) 10); // AF_INET6
        v6.put(2, (byte) 0).put(3, (byte) 80);
        byte[] addr = InetAddress.getByName("2001:db8::7").getAddress();
        for (int i = 0; i < 16; i++) {
            v6.put(8 + i, addr[i]); // after sin6_flowinfo
        }
        assertEquals(new InetSocketAddress(InetAddress.getByName("2001:db8::7"), 80),
                OriginalDestination.parseSockaddr(v6));

        ByteBuffer unix = ByteBuffer.allocate(16);
        unix.order(ByteOrder.nativeOrder()).putShort(0, (short) 1); // AF_UNIX: not an address we route by
        assertNull(OriginalDestination.parseSockaddr(unix));
        assertNull(OriginalDestination.parseSockaddr(ByteBuffer.allocate(4)));
    }

    @Test
    void passthroughForwardsCapturedTrafficAndRefusesLoops() throws Exception {
        InetSocketAddress listener = new InetSocketAddress("0.0.0.0", 15001);
        ListenSpec spec = transparent("0.0.0.0");
        io.netty.channel.embedded.EmbeddedChannel bound = new io.netty.channel.embedded.EmbeddedChannel() {
            @Override
            public java.net.SocketAddress localAddress() {
                return listener;
            }
        };
        InetAddress hostAddress = InetAddress.getByName("10.1.2.3");
        Passthrough p = new Passthrough(true, () -> List.of(new BoundListener(spec, bound)), Set.of(hostAddress));
        InetSocketAddress client = new InetSocketAddress("10.1.2.3", 40000);
        InetSocketAddress local = new InetSocketAddress("127.0.0.1", 15001);

        ConnectionInfo captured = new ConnectionInfo(client, local, spec, null, new InetSocketAddress("198.18.0.10", 80));
        assertSame(Passthrough.Decision.FORWARD, p.decide(captured));
        // Straight to the listener (not captured): forwarding would connect to ourselves.
        assertSame(Passthrough.Decision.LOOP, p.decide(new ConnectionInfo(client, local, spec, null, local)));
        // Captured traffic for the gateway's port on one of the host's addresses (wildcard bind).
        assertSame(Passthrough.Decision.LOOP,
                p.decide(new ConnectionInfo(client, local, spec, null, new InetSocketAddress(hostAddress, 15001))));
        // The same port on an address that is not local is someone else's service.
        assertSame(Passthrough.Decision.FORWARD,
                p.decide(new ConnectionInfo(client, local, spec, null, new InetSocketAddress("198.18.0.10", 15001))));
        // Not a transparent listener, or mesh mode off: the usual no-route answer.
        assertSame(Passthrough.Decision.NO_ROUTE, p.decide(new ConnectionInfo(client, local, spec)));
        assertSame(Passthrough.Decision.NO_ROUTE, Passthrough.off().decide(captured));

        // One of our own passthrough connections, captured again: its local address is the new peer.
        io.netty.channel.embedded.EmbeddedChannel own = new io.netty.channel.embedded.EmbeddedChannel() {
            @Override
            public java.net.SocketAddress localAddress() {
                return client;
            }
        };
        p.track(own);
        assertSame(Passthrough.Decision.LOOP, p.decide(captured));
        own.close().sync();
        assertSame(Passthrough.Decision.FORWARD, p.decide(captured), "forgotten once that connection closed");
        bound.close();
    }
}
