package org.kongjava.core.proxyprotocol;

import static java.nio.charset.StandardCharsets.US_ASCII;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.haproxy.HAProxyCommand;
import io.netty.handler.codec.haproxy.HAProxyMessage;
import io.netty.handler.codec.haproxy.HAProxyMessageDecoder;
import io.netty.handler.codec.haproxy.HAProxyMessageEncoder;
import io.netty.handler.codec.haproxy.HAProxyProtocolVersion;
import io.netty.handler.codec.haproxy.HAProxyProxiedProtocol;
import io.netty.handler.codec.haproxy.HAProxyTLV;
import java.net.InetSocketAddress;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.kongjava.core.proxyprotocol.ProxyHeader.Command;
import org.kongjava.core.testing.LeakCheck;

/** Our encoder against our decoder and against Netty's codec-haproxy, both ways. */
@ExtendWith(LeakCheck.class)
class ProxyHeaderEncoderTest {
    private static final ByteBufAllocator ALLOC = ByteBufAllocator.DEFAULT;
    private static final InetSocketAddress C4 = new InetSocketAddress("127.0.0.5", 40123);
    private static final InetSocketAddress S4 = new InetSocketAddress("10.1.2.3", 8443);
    private static final InetSocketAddress C6 = new InetSocketAddress("2001:db8::5", 40123);
    private static final InetSocketAddress S6 = new InetSocketAddress("2001:db8::1", 443);

    private static ProxyHeader ours(ByteBuf encoded) throws ProxyProtocolException {
        try {
            ProxyHeader h = ProxyHeaderDecoder.decode(encoded, 65535);
            assertFalse(encoded.isReadable(), "the decoder consumes exactly the header");
            return h;
        } finally {
            encoded.release();
        }
    }

    @Test
    void v1Tcp4Text() {
        ByteBuf b = ProxyHeaderEncoder.v1(ALLOC, C4, S4);
        try {
            assertEquals("PROXY TCP4 127.0.0.5 10.1.2.3 40123 8443\r\n", b.toString(US_ASCII));
        } finally {
            b.release();
        }
    }

    @Test
    void roundTripsThroughOurDecoder() throws Exception {
        ProxyHeader v1 = ours(ProxyHeaderEncoder.v1(ALLOC, C6, S6));
        assertEquals(C6, v1.source());
        assertEquals(S6, v1.destination());
        List<ProxyTlvs.Tlv> tlvs = List.of(new ProxyTlvs.Tlv(0x02, "api.example.com".getBytes(US_ASCII)),
                new ProxyTlvs.Tlv(0xE0, new byte[] {0, 0, 0, 0, 0, 0, 0, 7}));
        ProxyHeader v2 = ours(ProxyHeaderEncoder.v2(ALLOC, C4, S4, tlvs));
        assertEquals(C4, v2.source());
        assertEquals(S4, v2.destination());
        assertEquals(tlvs, v2.tlvs().all());
        assertEquals(7L, v2.tlvs().gcpPscConnectionId());
        assertFalse(ours(ProxyHeaderEncoder.v1Unknown(ALLOC)).hasAddresses());
        assertEquals(Command.LOCAL, ours(ProxyHeaderEncoder.v2Local(ALLOC)).command());
    }

    @Test
    void mixedFamiliesUseV4MappedV6() throws Exception {
        ByteBuf b = ProxyHeaderEncoder.v1(ALLOC, C4, S6);
        String line = b.toString(US_ASCII);
        ProxyHeader h = ours(b);
        assertTrue(line.startsWith("PROXY TCP6 "), line);
        // A v4-mapped address comes back as the IPv4 address it carries.
        assertEquals(C4, h.source());
        ProxyHeader v2 = ours(ProxyHeaderEncoder.v2(ALLOC, S6, C4, List.of()));
        assertEquals(C4, v2.destination());
    }

    @Test
    void unresolvedAddressIsRefused() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ProxyHeaderEncoder.v1(ALLOC, InetSocketAddress.createUnresolved("client.example", 1), S4));
        assertTrue(e.getMessage().contains("source"), e.getMessage());
    }

    @Test
    void nettyDecodesWhatWeEncode() {
        EmbeddedChannel ch = new EmbeddedChannel(new HAProxyMessageDecoder());
        ch.writeInbound(ProxyHeaderEncoder.v2(ALLOC, C6, S6,
                List.of(new ProxyTlvs.Tlv(0x01, "h2".getBytes(US_ASCII)))));
        HAProxyMessage m = ch.readInbound();
        try {
            assertEquals(HAProxyProtocolVersion.V2, m.protocolVersion());
            assertEquals(HAProxyProxiedProtocol.TCP6, m.proxiedProtocol());
            assertEquals(C6.getPort(), m.sourcePort());
            assertEquals(C6.getAddress(), new InetSocketAddress(m.sourceAddress(), 0).getAddress());
            assertEquals(1, m.tlvs().size());
            assertEquals("h2", m.tlvs().get(0).content().toString(US_ASCII));
        } finally {
            m.release();
        }
        assertFalse(ch.finish());

        EmbeddedChannel ch1 = new EmbeddedChannel(new HAProxyMessageDecoder());
        ch1.writeInbound(ProxyHeaderEncoder.v1(ALLOC, C4, S4));
        HAProxyMessage m1 = ch1.readInbound();
        try {
            assertEquals("127.0.0.5", m1.sourceAddress());
            assertEquals(8443, m1.destinationPort());
        } finally {
            m1.release();
        }
        assertFalse(ch1.finish());
    }

    @Test
    void weDecodeWhatNettyEncodes() throws Exception {
        EmbeddedChannel ch = new EmbeddedChannel(HAProxyMessageEncoder.INSTANCE);
        HAProxyTLV aws = new HAProxyTLV((byte) 0xEA, Unpooled.copiedBuffer("\u0001vpce-0abc", US_ASCII));
        HAProxyTLV authority = new HAProxyTLV(HAProxyTLV.Type.PP2_TYPE_AUTHORITY, Unpooled.copiedBuffer("a.example", US_ASCII));
        ch.writeOutbound(new HAProxyMessage(HAProxyProtocolVersion.V2, HAProxyCommand.PROXY, HAProxyProxiedProtocol.TCP4,
                "192.0.2.10", "10.0.0.1", 5555, 443, List.of(aws, authority)));
        ch.writeOutbound(new HAProxyMessage(HAProxyProtocolVersion.V1, HAProxyCommand.PROXY, HAProxyProxiedProtocol.TCP6,
                "2001:db8::10", "2001:db8::1", 6666, 80));
        ch.writeOutbound(new HAProxyMessage(HAProxyProtocolVersion.V2, HAProxyCommand.LOCAL,
                HAProxyProxiedProtocol.UNKNOWN, null, null, 0, 0));
        ProxyHeader v2 = ours(ch.readOutbound());
        assertEquals(new InetSocketAddress("192.0.2.10", 5555), v2.source());
        assertEquals("vpce-0abc", v2.tlvs().awsVpceId());
        assertEquals("a.example", v2.tlvs().authority());
        ProxyHeader v1 = ours(ch.readOutbound());
        assertEquals(new InetSocketAddress("2001:db8::10", 6666), v1.source());
        ProxyHeader local = ours(ch.readOutbound());
        assertEquals(Command.LOCAL, local.command());
        assertNull(local.source());
        assertFalse(ch.finish());
    }
}
