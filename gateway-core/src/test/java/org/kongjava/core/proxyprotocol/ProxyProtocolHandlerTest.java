package org.kongjava.core.proxyprotocol;

import static java.nio.charset.StandardCharsets.US_ASCII;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import java.io.ByteArrayOutputStream;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.kongjava.config.conf.ListenSpec;
import org.kongjava.config.net.CidrSet;
import org.kongjava.core.listener.ConnectionInfo;
import org.kongjava.core.listener.PipelineNames;
import org.kongjava.core.proxyprotocol.ProxyHeader.Command;
import org.kongjava.core.testing.LeakCheck;

@ExtendWith(LeakCheck.class)
class ProxyProtocolHandlerTest {
    private static final ListenSpec SPEC = new ListenSpec("proxy_listen", "0.0.0.0", 8000, false, false, true,
            false, false, false, false, -1, null, null, false);
    private static final InetSocketAddress LB = new InetSocketAddress("10.0.0.9", 40000);
    private static final byte[] REQUEST = "GET /x HTTP/1.1\r\nHost: a\r\n\r\n".getBytes(US_ASCII);

    /** An EmbeddedChannel with real socket addresses, as ListenerManager would see. */
    static final class PeerChannel extends EmbeddedChannel {
        private InetSocketAddress peer;

        PeerChannel(InetSocketAddress peer) {
            this.peer = peer;
        }

        @Override
        protected SocketAddress remoteAddress0() {
            return peer;
        }

        @Override
        protected SocketAddress localAddress0() {
            return new InetSocketAddress("10.0.1.1", 8000);
        }
    }

    private final ProxyProtocolStats stats = new ProxyProtocolStats();
    private ProxyProtocolSettings settings = new ProxyProtocolSettings(3_000, 4096, CidrSet.EMPTY, stats);

    private PeerChannel channel(InetSocketAddress peer) {
        PeerChannel ch = new PeerChannel(peer);
        ch.freezeTime();
        ch.attr(ConnectionInfo.KEY).set(new ConnectionInfo(peer, new InetSocketAddress("10.0.1.1", 8000), SPEC));
        assertTrue(ProxyProtocolPipeline.install(ch, SPEC, settings));
        return ch;
    }

    private PeerChannel channel() {
        return channel(LB);
    }

    private static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] p : parts) {
            out.write(p, 0, p.length);
        }
        return out.toByteArray();
    }

    /** Everything the handler passed on, concatenated; releases what it read. */
    private static byte[] forwarded(EmbeddedChannel ch) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (Object m; (m = ch.readInbound()) != null; ) {
            ByteBuf b = (ByteBuf) m;
            try {
                out.write(ByteBufUtil.getBytes(b), 0, b.readableBytes());
            } finally {
                b.release();
            }
        }
        return out.toByteArray();
    }

    private static ProxyHeader header(EmbeddedChannel ch) {
        return ch.attr(ConnectionInfo.KEY).get().proxied();
    }

    private ProxyHeader accept(byte[] headerBytes) {
        PeerChannel ch = channel();
        ch.writeInbound(Unpooled.wrappedBuffer(concat(headerBytes, REQUEST)));
        assertNull(ch.pipeline().get(PipelineNames.PROXY_PROTOCOL), "handler removes itself");
        assertArrayEquals(REQUEST, forwarded(ch), "bytes after the header reach the next handler intact");
        assertTrue(ch.isActive());
        ProxyHeader h = header(ch);
        assertEquals(LB, ch.attr(ConnectionInfo.KEY).get().peer(), "the socket peer is kept");
        assertFalse(ch.finish());
        return h;
    }

    private String reject(byte[] bytes) {
        PeerChannel ch = channel();
        ch.writeInbound(Unpooled.wrappedBuffer(bytes));
        assertFalse(ch.isActive(), "connection closed");
        assertEquals(0, forwarded(ch).length, "nothing reaches the next handler");
        assertNull(header(ch));
        assertEquals(1, stats.rejected.sum());
        ch.finish();
        return "closed";
    }

    // ------------------------------------------------------------------ v1

    @Test
    void v1Tcp4() {
        ProxyHeader h = accept("PROXY TCP4 192.0.2.1 198.51.100.2 56324 443\r\n".getBytes(US_ASCII));
        assertEquals(1, h.version());
        assertEquals(Command.PROXY, h.command());
        assertEquals(new InetSocketAddress("192.0.2.1", 56324), h.source());
        assertEquals(new InetSocketAddress("198.51.100.2", 443), h.destination());
        assertEquals(1, stats.v1.sum());
    }

    @Test
    void v1Tcp6() {
        ProxyHeader h = accept("PROXY TCP6 2001:db8::1 2001:db8::2 65535 0\r\n".getBytes(US_ASCII));
        assertEquals(new InetSocketAddress("2001:db8::1", 65535), h.source());
        assertEquals(new InetSocketAddress("2001:db8::2", 0), h.destination());
    }

    @ParameterizedTest
    @ValueSource(strings = {"PROXY UNKNOWN\r\n", "PROXY UNKNOWN ffff::1 ffff::2 1 2\r\n"})
    void v1UnknownHasNoAddress(String line) {
        ProxyHeader h = accept(line.getBytes(US_ASCII));
        assertEquals(Command.LOCAL, h.command());
        assertFalse(h.hasAddresses());
        assertEquals(1, stats.withoutAddress.sum());
    }

    @Test
    void v1LongestLegalLines() {
        // The specification's worst case is UNKNOWN with two full IPv6 addresses: 107 bytes.
        String unknown = "PROXY UNKNOWN ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff 65535 65535\r\n";
        assertEquals(ProxyHeaderDecoder.V1_MAX_LENGTH, unknown.length());
        assertFalse(accept(unknown.getBytes(US_ASCII)).hasAddresses());
        String tcp6 = "PROXY TCP6 ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff 65535 65535\r\n";
        assertEquals(65535, accept(tcp6.getBytes(US_ASCII)).source().getPort());
    }

    @ParameterizedTest
    @ValueSource(strings = {
            "PROXY TCP4 192.0.2.1 198.51.100.2 56324\r\n",             // a field missing
            "PROXY TCP4 192.0.2.1  198.51.100.2 56324 443\r\n",        // double space
            "PROXY TCP4 2001:db8::1 198.51.100.2 56324 443\r\n",       // IPv6 under TCP4
            "PROXY TCP6 192.0.2.1 198.51.100.2 56324 443\r\n",         // IPv4 under TCP6
            "PROXY TCP4 256.0.2.1 198.51.100.2 56324 443\r\n",         // octet out of range
            "PROXY TCP4 example.com 198.51.100.2 56324 443\r\n",       // a name is not an address
            "PROXY TCP4 192.0.2.1 198.51.100.2 65536 443\r\n",         // port out of range
            "PROXY TCP4 192.0.2.1 198.51.100.2 0443 443\r\n",          // leading zero
            "PROXY TCP4 192.0.2.1 198.51.100.2 -1 443\r\n",            // sign
            "PROXY TCP5 192.0.2.1 198.51.100.2 1 2\r\n",               // unknown protocol
            "PROXY TCP6 [2001:db8::1] [2001:db8::2] 1 2\r\n",          // brackets
            "PROXY TCP4 192.0.2.1 198.51.100.2 1 2\n",                 // LF without CR
            "PROXY TCP4 192.0.2.1\r198.51.100.2 1 2\r\n",              // stray CR
            "PROXY TCP4 192.0.2.1 198.51.100.2 1 2 \r\n",              // trailing space
            "PROXY TCP4 192.0.2.1 198.51.100.2 1 2\u0000\r\n",         // NUL
    })
    void v1BadLinesClose(String line) {
        reject(line.getBytes(US_ASCII));
    }

    @Test
    void v1LineWithoutEndIsRefusedAt107Bytes() {
        PeerChannel ch = channel();
        String start = "PROXY UNKNOWN ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff 65535 655355";
        assertEquals(106, start.length());
        ch.writeInbound(Unpooled.copiedBuffer(start, US_ASCII));
        assertTrue(ch.isActive(), "106 bytes: still waiting for the end of the line");
        ch.writeInbound(Unpooled.copiedBuffer("5", US_ASCII));
        assertFalse(ch.isActive(), "107 bytes without LF: refused");
        assertEquals(1, stats.rejected.sum());
        assertFalse(ch.finish());
    }

    // ------------------------------------------------------------------ v2

    @Test
    void v2Tcp4() {
        ProxyHeader h = accept(V2Bytes.tcp4("203.0.113.7", "10.0.1.1", 51234, 443).bytes());
        assertEquals(2, h.version());
        assertEquals(Command.PROXY, h.command());
        assertEquals(new InetSocketAddress("203.0.113.7", 51234), h.source());
        assertEquals(new InetSocketAddress("10.0.1.1", 443), h.destination());
        assertTrue(h.tlvs().all().isEmpty());
        assertEquals(1, stats.v2.sum());
    }

    @Test
    void v2Tcp6() {
        ProxyHeader h = accept(V2Bytes.tcp6("2001:db8::7", "2001:db8::1", 1, 65535).bytes());
        assertEquals(new InetSocketAddress("2001:db8::7", 1), h.source());
        assertEquals(65535, h.destination().getPort());
    }

    @Test
    void v2LocalKeepsSocketAddresses() {
        ProxyHeader h = accept(V2Bytes.local().bytes());
        assertEquals(Command.LOCAL, h.command());
        assertFalse(h.hasAddresses());
    }

    @Test
    void v2LocalIgnoresItsAddressBlock() {
        // LOCAL with an address block and TLVs: the specification says discard it all.
        V2Bytes b = V2Bytes.tcp4("203.0.113.7", "10.0.1.1", 1, 2).tlv(0x02, "x.example");
        byte[] bytes = b.bytes();
        bytes[12] = 0x20;
        ProxyHeader h = accept(bytes);
        assertEquals(Command.LOCAL, h.command());
        assertNull(h.source());
        assertTrue(h.tlvs().all().isEmpty());
    }

    @Test
    void v2UnspecAndUnixHaveNoClientAddress() {
        assertFalse(accept(V2Bytes.withFamily(0x21, 0x00, 0).bytes()).hasAddresses());
        assertFalse(accept(V2Bytes.withFamily(0x21, 0x31, 216).bytes()).hasAddresses());
    }

    @Test
    void v2EveryKnownTlv() {
        byte[] bytes = V2Bytes.tcp4("203.0.113.7", "10.0.1.1", 51234, 443)
                .tlv(0x01, "h2")
                .tlv(0x02, "api.example.com")
                .tlv(0x05, "req-42")
                .tlv(0x04, new byte[7]) // NOOP: padding, dropped
                .tlv(0xEA, concat(new byte[] {0x01}, "vpce-0123456789abcdef0".getBytes(US_ASCII)))
                .tlv(0xEE, (byte) 0x01, (byte) 0x78, (byte) 0x56, (byte) 0x34, (byte) 0x12)
                .tlv(0xE0, new byte[] {(byte) 0xFF, 0, 0, 0, 0, 0, 0x01, 0x02})
                .tlv(0xC3, (byte) 0xAB) // an unknown type is kept raw
                .crc32c()
                .bytes();
        ProxyTlvs t = accept(bytes).tlvs();
        assertEquals("h2", t.alpn());
        assertEquals("api.example.com", t.authority());
        assertEquals("req-42", t.uniqueId());
        assertEquals("vpce-0123456789abcdef0", t.awsVpceId());
        assertEquals(0x12345678L, t.azureLinkId(), "Azure's link id is little-endian");
        assertEquals(0xFF00000000000102L, t.gcpPscConnectionId(), "GCP's id is big-endian, unsigned");
        assertEquals("18374686479671623938", t.named().get("gcp_psc_connection_id"));
        assertArrayEquals(new byte[] {(byte) 0xAB}, t.first(0xC3).value());
        assertNull(t.first(0x04), "NOOP is not kept");
        assertNull(t.first(0x03), "CRC32C is checked, not kept");
        assertEquals(List.of("alpn", "authority", "unique_id", "aws_vpce_id", "azure_link_id", "gcp_psc_connection_id"),
                List.copyOf(t.named().keySet()));
    }

    @Test
    void v2AwsOtherSubtypeIsNotAVpceId() {
        ProxyTlvs t = accept(V2Bytes.tcp4("1.2.3.4", "5.6.7.8", 1, 2).tlv(0xEA, (byte) 0x02, (byte) 'x').bytes()).tlvs();
        assertNull(t.awsVpceId());
        assertFalse(t.named().containsKey("aws_vpce_id"));
    }

    @Test
    void v2NonPrintableTlvTextIsLeftOutOfNamed() {
        ProxyTlvs t = accept(V2Bytes.tcp4("1.2.3.4", "5.6.7.8", 1, 2).tlv(0x02, "evil\r\nX-Injected: 1").bytes()).tlvs();
        assertEquals("evil\r\nX-Injected: 1", t.authority());
        assertFalse(t.named().containsKey("authority"), "a CRLF never reaches a header or a log line");
    }

    @Test
    void v2BadCrcCloses() {
        byte[] bytes = V2Bytes.tcp4("203.0.113.7", "10.0.1.1", 51234, 443).crc32c().bytes();
        bytes[16] ^= 1; // change the source address after the checksum was computed
        reject(bytes);
    }

    @Test
    void v2TruncatedTlvCloses() {
        // The TLV says 10 bytes but the header's length leaves only 2.
        reject(V2Bytes.tcp4("1.2.3.4", "5.6.7.8", 1, 2).raw((byte) 0x02, (byte) 0, (byte) 10, (byte) 'a', (byte) 'b').bytes());
    }

    @Test
    void v2TlvFragmentCloses() {
        reject(V2Bytes.tcp4("1.2.3.4", "5.6.7.8", 1, 2).raw((byte) 0x02, (byte) 0).bytes());
    }

    @Test
    void v2AddressBlockShorterThanFamilyNeedsCloses() {
        reject(V2Bytes.withFamily(0x21, 0x21, 12).bytes()); // TCP6 needs 36
    }

    @ParameterizedTest
    @ValueSource(ints = {0xE0, 0xEE, 0xEA, 0x01, 0x02, 0x03})
    void v2MalformedKnownTlvCloses(int type) {
        byte[] value = switch (type) {
            case 0xE0 -> new byte[7];                          // GCP id must be 8 bytes
            case 0xEE -> new byte[] {0x01, 1, 2};              // Azure link id must be 4 bytes
            case 0x03 -> new byte[3];                          // CRC32C must be 4 bytes
            default -> new byte[0];                            // AWS needs a subtype; ALPN/AUTHORITY not empty
        };
        reject(V2Bytes.tcp4("1.2.3.4", "5.6.7.8", 1, 2).tlv(type, value).bytes());
    }

    @ParameterizedTest
    @ValueSource(ints = {0x11, 0x22, 0x10, 0x2F})
    void v2BadVersionOrCommandCloses(int verCmd) {
        reject(V2Bytes.withFamily(verCmd, 0x11, 12).bytes());
    }

    @ParameterizedTest
    @ValueSource(ints = {0x12, 0x22, 0x32, 0x41, 0x13})
    void v2DatagramOrUnknownFamilyCloses(int family) {
        reject(V2Bytes.withFamily(0x21, family, 216).bytes());
    }

    @Test
    void v2OversizedIsRefusedFromThePreambleAlone() {
        PeerChannel ch = channel();
        byte[] preamble = java.util.Arrays.copyOf(V2Bytes.tcp4("1.2.3.4", "5.6.7.8", 1, 2).length(4097).bytes(), 16);
        ch.writeInbound(Unpooled.wrappedBuffer(preamble));
        assertFalse(ch.isActive(), "announced length over the limit: refused without waiting for the body");
        assertEquals(1, stats.rejected.sum());
        assertFalse(ch.finish());
    }

    @Test
    void v2AtTheLimitIsAccepted() {
        V2Bytes b = V2Bytes.tcp4("1.2.3.4", "5.6.7.8", 1, 2).tlv(0xC0, new byte[4096 - 12 - 3]);
        assertEquals(16 + 4096, b.bytes().length);
        assertEquals(1, accept(b.bytes()).tlvs().all().size());
    }

    @Test
    void v2TruncatedThenClosedIsLoggedAndCounted() {
        PeerChannel ch = channel();
        byte[] full = V2Bytes.tcp4("1.2.3.4", "5.6.7.8", 1, 2).bytes();
        ch.writeInbound(Unpooled.wrappedBuffer(full, 0, 20));
        assertTrue(ch.isActive());
        ch.close();
        assertEquals(1, stats.rejected.sum());
        assertEquals(0, stats.closedEmpty.sum());
        assertNull(header(ch));
        assertEquals(0, forwarded(ch).length);
        assertFalse(ch.finish());
    }

    // ------------------------------------------------------------------ not a header, timing, splitting

    @ParameterizedTest
    @ValueSource(strings = {"GET / HTTP/1.1\r\n\r\n", "\u0016\u0003\u0001\u0002\u0000", "PROXZ", "proxy TCP4 1.2.3.4 5.6.7.8 1 2\r\n",
            "\r\n\r\n\u0000\r\nQUIX\n"})
    void noHeaderCloses(String bytes) {
        reject(bytes.getBytes(java.nio.charset.StandardCharsets.ISO_8859_1));
    }

    @Test
    void emptyConnectionIsExpectedNoise() {
        PeerChannel ch = channel();
        ch.close();
        assertEquals(1, stats.closedEmpty.sum());
        assertEquals(0, stats.rejected.sum());
        assertFalse(ch.finish());
    }

    @Test
    void deadlineClosesASilentConnection() {
        PeerChannel ch = channel();
        ch.advanceTimeBy(2_999, TimeUnit.MILLISECONDS);
        ch.runScheduledPendingTasks();
        assertTrue(ch.isActive());
        ch.advanceTimeBy(1, TimeUnit.MILLISECONDS);
        ch.runScheduledPendingTasks();
        assertFalse(ch.isActive());
        assertEquals(1, stats.timedOut.sum());
        assertEquals(0, stats.closedEmpty.sum(), "a timeout is not counted as a health-check close too");
        assertFalse(ch.finish());
    }

    @Test
    void slowlorisIsCutAtTheDeadlineEvenWhileBytesKeepComing() {
        PeerChannel ch = channel();
        byte[] line = "PROXY TCP4 192.0.2.1 198.51.100.2 56324 443\r\n".getBytes(US_ASCII);
        int sent = 0;
        for (; sent < line.length && ch.isActive(); sent++) {
            ch.writeInbound(Unpooled.wrappedBuffer(line, sent, 1));
            ch.advanceTimeBy(100, TimeUnit.MILLISECONDS); // one byte every 100 ms: 4.5 s for the line
            ch.runScheduledPendingTasks();
        }
        assertFalse(ch.isActive());
        assertEquals(30, sent, "closed at 3 s, not reset by each byte");
        assertEquals(1, stats.timedOut.sum());
        assertNull(header(ch));
        assertEquals(0, forwarded(ch).length);
        assertFalse(ch.finish());
    }

    @Test
    void connectionsOnOneLoopShareATimerAndEachGetsItsOwnDeadline() {
        EmbeddedChannel loopOwner = new EmbeddedChannel();
        loopOwner.freezeTime();
        List<String> expired = new java.util.ArrayList<>();
        HeaderDeadlines.add(loopOwner.eventLoop(), 3_000, () -> expired.add("a"));
        loopOwner.advanceTimeBy(1_000, TimeUnit.MILLISECONDS);
        HeaderDeadlines.Entry b = HeaderDeadlines.add(loopOwner.eventLoop(), 3_000, () -> expired.add("b"));
        HeaderDeadlines.add(loopOwner.eventLoop(), 3_000, () -> expired.add("c"));
        b.cancel();
        loopOwner.advanceTimeBy(1_999, TimeUnit.MILLISECONDS);
        loopOwner.runScheduledPendingTasks();
        assertEquals(List.of(), expired);
        loopOwner.advanceTimeBy(1, TimeUnit.MILLISECONDS);
        loopOwner.runScheduledPendingTasks();
        assertEquals(List.of("a"), expired, "3 s after its own start");
        loopOwner.advanceTimeBy(1_000, TimeUnit.MILLISECONDS);
        loopOwner.runScheduledPendingTasks();
        assertEquals(List.of("a", "c"), expired, "c a second later; cancelled b never");
        assertEquals(0, HeaderDeadlines.pendingForTest(loopOwner.eventLoop()));
        assertFalse(loopOwner.finish());
    }

    @Test
    void deadlineIsCancelledOnceTheHeaderArrived() {
        PeerChannel ch = channel();
        ch.writeInbound(Unpooled.wrappedBuffer(V2Bytes.local().bytes()));
        assertEquals(0, HeaderDeadlines.pendingForTest(ch.eventLoop()), "a finished connection is no longer waited for");
        ch.advanceTimeBy(10, TimeUnit.SECONDS);
        ch.runScheduledPendingTasks();
        assertTrue(ch.isActive());
        assertEquals(0, stats.timedOut.sum());
        assertFalse(ch.finish());
    }

    @ParameterizedTest
    @ValueSource(booleans = {true, false})
    void headerSplitIntoSingleBytes(boolean v2) {
        byte[] header = v2 ? V2Bytes.tcp6("2001:db8::7", "2001:db8::1", 1234, 443).tlv(0x02, "a.example").bytes()
                : "PROXY TCP4 192.0.2.1 198.51.100.2 56324 443\r\n".getBytes(US_ASCII);
        byte[] all = concat(header, REQUEST);
        PeerChannel ch = channel();
        for (int i = 0; i < header.length; i++) {
            ch.writeInbound(Unpooled.wrappedBuffer(all, i, 1));
            assertEquals(i < header.length - 1, ch.pipeline().get(PipelineNames.PROXY_PROTOCOL) != null);
        }
        for (int i = header.length; i < all.length; i++) {
            ch.writeInbound(Unpooled.wrappedBuffer(all, i, 1));
        }
        assertArrayEquals(REQUEST, forwarded(ch));
        assertEquals(v2 ? 1234 : 56324, header(ch).source().getPort());
        assertFalse(ch.finish());
    }

    @Test
    void headerAndPayloadInOneReadAndPayloadLater() {
        PeerChannel ch = channel();
        byte[] header = V2Bytes.tcp4("1.2.3.4", "5.6.7.8", 1, 2).bytes();
        ch.writeInbound(Unpooled.wrappedBuffer(concat(header, "GE".getBytes(US_ASCII))));
        ch.writeInbound(Unpooled.copiedBuffer("T / HTTP/1.1\r\nHost: a\r\n\r\n", US_ASCII));
        assertEquals("GET / HTTP/1.1\r\nHost: a\r\n\r\n", new String(forwarded(ch), US_ASCII));
        assertFalse(ch.finish());
    }

    // ------------------------------------------------------------------ leniency for trusted peers

    @Test
    void trustedPeerMayOmitTheHeaderWhenEnabled() {
        settings = settings.withHeaderOptionalFrom(CidrSet.parse("10.0.0.0/8"));
        PeerChannel ch = channel();
        ch.writeInbound(Unpooled.wrappedBuffer(REQUEST));
        assertTrue(ch.isActive());
        assertArrayEquals(REQUEST, forwarded(ch));
        assertNull(header(ch));
        assertEquals(1, stats.withoutHeaderTrusted.sum());
        assertFalse(ch.finish());
    }

    @Test
    void trustedPeerSendingAHeaderStillHasItRead() {
        settings = settings.withHeaderOptionalFrom(CidrSet.parse("10.0.0.0/8"));
        assertEquals(new InetSocketAddress("192.0.2.1", 1), accept(V2Bytes.tcp4("192.0.2.1", "10.0.1.1", 1, 2).bytes()).source());
    }

    @Test
    void trustedPeerWithABrokenHeaderIsStillRefused() {
        settings = settings.withHeaderOptionalFrom(CidrSet.parse("10.0.0.0/8"));
        reject("PROXY TCP4 1.2.3.4 5.6.7.8 1 99999\r\n".getBytes(US_ASCII));
    }

    @Test
    void untrustedPeerMayNotOmitTheHeader() {
        settings = settings.withHeaderOptionalFrom(CidrSet.parse("192.168.0.0/16"));
        reject(REQUEST);
    }

    @Test
    void installDoesNothingWithoutTheFlag() {
        EmbeddedChannel ch = new EmbeddedChannel();
        assertFalse(ProxyProtocolPipeline.install(ch, ListenSpec.plain("proxy_listen", "0.0.0.0", 8000), settings));
        assertNull(ch.pipeline().get(PipelineNames.PROXY_PROTOCOL));
        assertFalse(ch.finish());
    }

    @Test
    void installGoesFirstAndConnectionInfoKeepsOtherFields() {
        PeerChannel ch = new PeerChannel(LB);
        ConnectionInfo before = new ConnectionInfo(LB, new InetSocketAddress("10.0.1.1", 8000), SPEC);
        ch.attr(ConnectionInfo.KEY).set(before);
        ch.pipeline().addLast("other", new io.netty.channel.ChannelInboundHandlerAdapter());
        ProxyProtocolPipeline.install(ch, SPEC, settings);
        assertEquals(PipelineNames.PROXY_PROTOCOL, ch.pipeline().names().get(0));
        ch.writeInbound(Unpooled.wrappedBuffer(V2Bytes.tcp4("192.0.2.1", "10.0.1.1", 1, 2).bytes()));
        ConnectionInfo after = ch.attr(ConnectionInfo.KEY).get();
        assertEquals(before.local(), after.local());
        assertSame(SPEC, after.listener());
        assertEquals(new InetSocketAddress("192.0.2.1", 1), after.proxiedSource());
        assertNotNull(after.proxied());
        assertNull(before.proxied(), "the 3-argument constructor means no header");
        assertFalse(ch.finish());
    }

    @Test
    void headerAloneInOneReadAsksForTheNextBytesWhenAutoReadIsOff() {
        PeerChannel ch = channel();
        ch.config().setAutoRead(false);
        int[] reads = {0};
        ch.pipeline().addFirst(new io.netty.channel.ChannelOutboundHandlerAdapter() {
            @Override
            public void read(io.netty.channel.ChannelHandlerContext ctx) {
                reads[0]++;
                ctx.read();
            }
        });
        ch.writeInbound(Unpooled.copiedBuffer("PROXY TCP4 1.2.3.4 10.0.1.1 5 8000\r\n", US_ASCII));
        assertNull(ch.pipeline().get(PipelineNames.PROXY_PROTOCOL));
        assertTrue(reads[0] >= 1, "the next handler gets nothing from this read, so the reader must ask for more");
        assertEquals("1.2.3.4", ch.attr(ConnectionInfo.KEY).get().proxiedSource().getAddress().getHostAddress());
        ch.finishAndReleaseAll();
    }
}
