package org.kongjava.core.listener;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.channel.ChannelInboundHandlerAdapter;
import java.io.InputStream;
import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.kongjava.config.conf.ListenSpec;
import org.kongjava.core.transport.EventLoops;

class ListenerManagerTest {
    private EventLoops loops;
    private ListenerManager listeners;

    /** Answers "<listener key> <local port>" and closes: proves which listener accepted. */
    private static final PipelineFactory WHO = (ch, spec) -> ch.pipeline().addLast(new ChannelInboundHandlerAdapter() {
        @Override
        public void channelActive(io.netty.channel.ChannelHandlerContext ctx) {
            ConnectionInfo info = ctx.channel().attr(ConnectionInfo.KEY).get();
            byte[] b = (info.listener().key() + " " + info.local().getPort()).getBytes(StandardCharsets.US_ASCII);
            ctx.writeAndFlush(ctx.alloc().buffer().writeBytes(b)).addListener(f -> ctx.close());
        }
    });

    @BeforeEach
    void start() {
        loops = new EventLoops(2);
        listeners = new ListenerManager(loops);
    }

    @AfterEach
    void stop() {
        listeners.close();
        loops.close();
    }

    private static String talk(String host, int port) throws Exception {
        try (Socket s = new Socket(host, port); InputStream in = s.getInputStream()) {
            return new String(in.readAllBytes(), StandardCharsets.US_ASCII);
        }
    }

    @Test
    void ipv4WildcardAndIpv6WildcardShareAPortLikeNginx() throws Exception {
        BoundListener v4 = listeners.bind(ListenSpec.plain("proxy_listen", "0.0.0.0", 0), WHO);
        int port = v4.localAddress().getPort();
        assertTrue(v4.localAddress().getAddress() instanceof Inet4Address, v4.localAddress().toString());
        // ipv6only defaults to on, so the IPv6 wildcard can take the same port.
        BoundListener v6 = listeners.bind(ListenSpec.plain("admin_listen", "::", port), WHO);
        assertTrue(v6.localAddress().getAddress() instanceof Inet6Address, v6.localAddress().toString());
        assertEquals("proxy_listen " + port, talk("127.0.0.1", port));
        assertEquals("admin_listen " + port, talk("::1", port));
    }

    @Test
    void reuseportBindsOneSocketPerWorkerOnTheSamePort() throws Exception {
        ListenSpec spec = new ListenSpec("proxy_listen", "127.0.0.1", 0, false, false, false, false, false, false,
                true, 128, null, null, false);
        BoundListener b = listeners.bind(spec, WHO);
        int port = b.localAddress().getPort();
        long sockets = listeners.bound().stream().filter(l -> l.localAddress().getPort() == port).count();
        assertEquals(loops.isEpoll() ? 2 : 1, sockets);
        for (int i = 0; i < 8; i++) {
            assertEquals("proxy_listen " + port, talk("127.0.0.1", port));
        }
    }

    @Test
    void bindFailureNamesTheKeyAndAddress() {
        BoundListener b = listeners.bind(ListenSpec.plain("proxy_listen", "127.0.0.1", 0), WHO);
        int port = b.localAddress().getPort();
        ListenerManager.BindFailedException e = assertThrows(ListenerManager.BindFailedException.class,
                () -> listeners.bind(ListenSpec.plain("admin_listen", "127.0.0.1", port), WHO));
        assertTrue(e.getMessage().startsWith("could not bind admin_listen address 127.0.0.1:" + port), e.getMessage());
    }

    @Test
    void stopAcceptingClosesListenersOnly() throws Exception {
        BoundListener b = listeners.bind(ListenSpec.plain("proxy_listen", "127.0.0.1", 0), WHO);
        InetSocketAddress a = b.localAddress();
        listeners.stopAccepting();
        assertThrows(java.net.ConnectException.class, () -> new Socket(a.getAddress(), a.getPort()).close());
    }
}
