package org.kongjava.core.proxyprotocol;

import static java.nio.charset.StandardCharsets.US_ASCII;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.netty.channel.ChannelPromise;
import io.netty.channel.embedded.EmbeddedChannel;
import java.net.InetSocketAddress;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.kongjava.core.listener.PipelineNames;
import org.kongjava.core.testing.LeakCheck;

@ExtendWith(LeakCheck.class)
class UpstreamProxyHeaderTest {
    private static final InetSocketAddress CLIENT = new InetSocketAddress("127.0.0.5", 40123);
    private static final InetSocketAddress GATEWAY = new InetSocketAddress("10.1.2.3", 8000);

    /** Stands in for a TLS handler: marks everything written through it. */
    private static final class Wrapping extends ChannelOutboundHandlerAdapter {
        @Override
        public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
            ByteBuf in = (ByteBuf) msg;
            ByteBuf out = Unpooled.buffer().writeBytes("[".getBytes(US_ASCII)).writeBytes(in)
                    .writeBytes("]".getBytes(US_ASCII));
            in.release();
            ctx.write(out, promise);
        }
    }

    @Test
    void v1HeaderGoesOutFirstPastLaterHandlersThenTheHandlerIsGone() throws Exception {
        EmbeddedChannel ch = new EmbeddedChannel(false, false);
        ch.pipeline().addLast(new Wrapping());
        UpstreamProxyHeader.install(ch, 1, CLIENT, GATEWAY);
        ch.register();
        ch.writeAndFlush(Unpooled.copiedBuffer("GET / HTTP/1.1\r\n", US_ASCII));
        ByteBuf first = ch.readOutbound();
        assertEquals("PROXY TCP4 127.0.0.5 10.1.2.3 40123 8000\r\n", first.toString(US_ASCII),
                "written below the wrapping handler");
        first.release();
        ByteBuf second = ch.readOutbound();
        assertEquals("[GET / HTTP/1.1\r\n]", second.toString(US_ASCII));
        second.release();
        assertNull(ch.pipeline().get(PipelineNames.UPSTREAM_PROXY_PROTOCOL));
        ch.finishAndReleaseAll();
    }

    @Test
    void v2HeaderDecodesToTheClient() throws Exception {
        EmbeddedChannel ch = new EmbeddedChannel(false, false);
        UpstreamProxyHeader.install(ch, 2, CLIENT, GATEWAY);
        ch.register();
        assertNull(ch.readOutbound(), "nothing before the first write");
        ch.writeAndFlush(Unpooled.copiedBuffer("GET", US_ASCII));
        ByteBuf first = ch.readOutbound();
        try {
            ProxyHeader h = ProxyHeaderDecoder.decode(first, 4096);
            assertEquals(2, h.version());
            assertEquals(CLIENT, h.source());
            assertEquals(GATEWAY, h.destination());
        } finally {
            first.release();
        }
        ch.finishAndReleaseAll();
    }

    @Test
    void identityIsVersionAndAddressWithoutPort() {
        assertEquals("v2 127.0.0.5", UpstreamProxyHeader.identity(2, CLIENT));
        assertEquals("v1 [2001:db8:0:0:0:0:0:5]", UpstreamProxyHeader.identity(1, new InetSocketAddress("2001:db8::5", 1)));
    }

    @Test
    void namedTlvKeysAreTheOnesKongConfAccepts() {
        // KongSchema.PROXY_TLV_NAMES (gateway-config) lists these for proxy_protocol_tlv_headers.
        List<String> expected = List.of("alpn", "authority", "unique_id", "aws_vpce_id", "azure_link_id",
                "gcp_psc_connection_id");
        ProxyTlvs all = new ProxyTlvs(List.of(
                new ProxyTlvs.Tlv(ProxyTlvs.ALPN, "h2".getBytes(US_ASCII)),
                new ProxyTlvs.Tlv(ProxyTlvs.AUTHORITY, "a.test".getBytes(US_ASCII)),
                new ProxyTlvs.Tlv(ProxyTlvs.UNIQUE_ID, "u1".getBytes(US_ASCII)),
                new ProxyTlvs.Tlv(ProxyTlvs.AWS, new byte[] {1, 'v', 'p', 'c', 'e'}),
                new ProxyTlvs.Tlv(ProxyTlvs.AZURE, new byte[] {1, 1, 0, 0, 0}),
                new ProxyTlvs.Tlv(ProxyTlvs.GCP, new byte[] {0, 0, 0, 0, 0, 0, 0, 7})));
        assertEquals(expected, List.copyOf(all.named().keySet()));
    }
}
