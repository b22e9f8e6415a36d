package org.kongjava.core.proxyprotocol;

import io.netty.buffer.ByteBuf;
import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.CRC32C;
import org.kongjava.config.net.IpAddresses;
import org.kongjava.core.proxyprotocol.ProxyHeader.Command;

/**
 * Decodes PROXY protocol v1 and v2 headers from the start of a buffer (haproxy's proxy-protocol.txt).
 * Pure: no channel, no clock. Strict: every field is checked, a v1 line may not exceed 107 bytes and a v2
 * header's announced length may not exceed the configured maximum (rejected as soon as the 16-byte
 * preamble is in, without waiting for the rest).
 */
final class ProxyHeaderDecoder {
    /** Longest v1 line, CRLF included (the specification's worst case, TCP6 with maximal addresses). */
    static final int V1_MAX_LENGTH = 107;
    static final byte[] V1_PREFIX = "PROXY ".getBytes(StandardCharsets.US_ASCII);
    static final byte[] V2_SIGNATURE = {0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A};
    static final int V2_PREAMBLE = 16;

    private static final int FAM_UNSPEC = 0x00;
    private static final int FAM_TCP4 = 0x11;
    private static final int FAM_UDP4 = 0x12;
    private static final int FAM_TCP6 = 0x21;
    private static final int FAM_UDP6 = 0x22;
    private static final int FAM_UNIX_STREAM = 0x31;
    private static final int FAM_UNIX_DGRAM = 0x32;

    /** What the first bytes of a connection look like. */
    enum Kind { V1, V2, NOT_PROXY, NEED_MORE }

    private ProxyHeaderDecoder() {
    }

    /** Classifies the readable bytes without consuming them. */
    static Kind detect(ByteBuf in) {
        int n = in.readableBytes();
        if (n == 0) {
            return Kind.NEED_MORE;
        }
        byte first = in.getByte(in.readerIndex());
        if (first == V1_PREFIX[0]) {
            return matchesPrefix(in, V1_PREFIX) ? (n >= V1_PREFIX.length ? Kind.V1 : Kind.NEED_MORE) : Kind.NOT_PROXY;
        }
        if (first == V2_SIGNATURE[0]) {
            return matchesPrefix(in, V2_SIGNATURE) ? (n >= V2_SIGNATURE.length ? Kind.V2 : Kind.NEED_MORE)
                    : Kind.NOT_PROXY;
        }
        return Kind.NOT_PROXY;
    }

    private static boolean matchesPrefix(ByteBuf in, byte[] expected) {
        int n = Math.min(in.readableBytes(), expected.length);
        for (int i = 0; i < n; i++) {
            if (in.getByte(in.readerIndex() + i) != expected[i]) {
                return false;
            }
        }
        return true;
    }

    /**
     * Decodes one header and consumes exactly its bytes.
     *
     * @param maxV2Length largest accepted v2 length field (address block plus TLVs)
     * @return the header, or null when more bytes are needed (nothing consumed)
     * @throws ProxyProtocolException when the bytes cannot be a valid header (nothing consumed)
     */
    static ProxyHeader decode(ByteBuf in, int maxV2Length) throws ProxyProtocolException {
        return switch (detect(in)) {
            case NEED_MORE -> null;
            case V1 -> decodeV1(in);
            case V2 -> decodeV2(in, maxV2Length);
            case NOT_PROXY -> throw new ProxyProtocolException("not a PROXY protocol header (expected 'PROXY ' or the v2 signature)");
        };
    }

    // ------------------------------------------------------------------ v1

    private static ProxyHeader decodeV1(ByteBuf in) throws ProxyProtocolException {
        int start = in.readerIndex();
        int limit = Math.min(in.readableBytes(), V1_MAX_LENGTH);
        int lfAt = in.indexOf(start, start + limit, (byte) '\n');
        int lf = lfAt < 0 ? -1 : lfAt - start;
        // Checked as bytes arrive, so a binary flood is refused before 107 bytes are buffered.
        int bad = in.forEachByte(start, lf < 0 ? limit : lf, b -> (b >= 0x20 && b <= 0x7e) || b == '\r');
        if (bad >= 0) {
            throw new ProxyProtocolException("v1 line has a non-printable byte 0x"
                    + String.format("%02X", in.getByte(bad) & 0xff) + " at offset " + (bad - start));
        }
        if (lf < 0) {
            if (in.readableBytes() >= V1_MAX_LENGTH) {
                throw new ProxyProtocolException("v1 line longer than " + V1_MAX_LENGTH + " bytes");
            }
            return null;
        }
        if (lf == 0 || in.getByte(start + lf - 1) != '\r') {
            throw new ProxyProtocolException("v1 line must end with CRLF");
        }
        String line = in.toString(start, lf - 1, StandardCharsets.US_ASCII);
        if (line.indexOf('\r') >= 0) {
            throw new ProxyProtocolException("v1 line has a stray CR");
        }
        ProxyHeader h = parseV1(line);
        in.skipBytes(lf + 1);
        return h;
    }

    /** {@code line} is the text before CRLF, starting with {@code PROXY }. */
    static ProxyHeader parseV1(String line) throws ProxyProtocolException {
        String rest = line.substring(V1_PREFIX.length);
        if (rest.equals("UNKNOWN") || rest.startsWith("UNKNOWN ")) {
            // The specification: a receiver ignores whatever follows UNKNOWN and uses the socket addresses.
            return ProxyHeader.withoutAddresses(1, Command.LOCAL, ProxyTlvs.NONE);
        }
        String[] f = rest.split(" ", -1);
        if (f.length != 5) {
            throw new ProxyProtocolException("v1 line '" + line + "' (expected: PROXY TCP4|TCP6 <src> <dst> <sport> <dport>, single spaces)");
        }
        boolean v4;
        if (f[0].equals("TCP4")) {
            v4 = true;
        } else if (f[0].equals("TCP6")) {
            v4 = false;
        } else {
            throw new ProxyProtocolException("v1 protocol '" + f[0] + "' (expected: TCP4, TCP6 or UNKNOWN)");
        }
        InetAddress src = v1Address(f[1], v4, "source");
        InetAddress dst = v1Address(f[2], v4, "destination");
        int sport = v1Port(f[3], "source");
        int dport = v1Port(f[4], "destination");
        return new ProxyHeader(1, Command.PROXY, new InetSocketAddress(src, sport), new InetSocketAddress(dst, dport),
                ProxyTlvs.NONE);
    }

    private static InetAddress v1Address(String text, boolean v4, String which) throws ProxyProtocolException {
        boolean looksV6 = text.indexOf(':') >= 0;
        InetAddress a = (v4 == looksV6) || text.startsWith("[") ? null : IpAddresses.parseLiteral(text);
        if (a == null) {
            throw new ProxyProtocolException("v1 " + which + " address '" + text + "' (expected: an "
                    + (v4 ? "IPv4" : "IPv6") + " literal for " + (v4 ? "TCP4" : "TCP6") + ")");
        }
        return a;
    }

    private static int v1Port(String text, String which) throws ProxyProtocolException {
        boolean ok = !text.isEmpty() && text.length() <= 5 && (text.length() == 1 || text.charAt(0) != '0');
        int port = 0;
        for (int i = 0; ok && i < text.length(); i++) {
            char c = text.charAt(i);
            ok = c >= '0' && c <= '9';
            port = port * 10 + (c - '0');
        }
        if (!ok || port > 65535) {
            throw new ProxyProtocolException("v1 " + which + " port '" + text + "' (expected: 0-65535, no leading zeros)");
        }
        return port;
    }

    // ------------------------------------------------------------------ v2

    private static ProxyHeader decodeV2(ByteBuf in, int maxV2Length) throws ProxyProtocolException {
        if (in.readableBytes() < V2_PREAMBLE) {
            return null;
        }
        int start = in.readerIndex();
        int verCmd = in.getUnsignedByte(start + 12);
        int fam = in.getUnsignedByte(start + 13);
        int len = in.getUnsignedShort(start + 14);
        if (verCmd >> 4 != 2) {
            throw new ProxyProtocolException("v2 version " + (verCmd >> 4) + " (expected: 2)");
        }
        int cmd = verCmd & 0x0f;
        if (cmd > 1) {
            throw new ProxyProtocolException("v2 command 0x" + Integer.toHexString(cmd) + " (expected: 0 LOCAL or 1 PROXY)");
        }
        if (len > maxV2Length) {
            throw new ProxyProtocolException("v2 header announces " + len + " bytes after the preamble (limit "
                    + maxV2Length + ")");
        }
        if (in.readableBytes() < V2_PREAMBLE + len) {
            return null;
        }
        ProxyHeader h = cmd == 0 ? ProxyHeader.withoutAddresses(2, Command.LOCAL, ProxyTlvs.NONE)
                : parseV2Proxy(in, start, fam, len);
        in.skipBytes(V2_PREAMBLE + len);
        return h;
    }

    private static ProxyHeader parseV2Proxy(ByteBuf in, int start, int fam, int len) throws ProxyProtocolException {
        int p = start + V2_PREAMBLE;
        int end = p + len;
        InetSocketAddress src = null;
        InetSocketAddress dst = null;
        switch (fam) {
            case FAM_TCP4 -> {
                need(len, 12, "TCP4");
                src = new InetSocketAddress(address(in, p, 4), in.getUnsignedShort(p + 8));
                dst = new InetSocketAddress(address(in, p + 4, 4), in.getUnsignedShort(p + 10));
                p += 12;
            }
            case FAM_TCP6 -> {
                need(len, 36, "TCP6");
                src = new InetSocketAddress(address(in, p, 16), in.getUnsignedShort(p + 32));
                dst = new InetSocketAddress(address(in, p + 16, 16), in.getUnsignedShort(p + 34));
                p += 36;
            }
            case FAM_UNIX_STREAM -> {
                need(len, 216, "UNIX");
                p += 216; // paths are not client addresses; keep the socket's
            }
            case FAM_UNSPEC -> {
                // Unknown protocol: the specification says use the socket addresses and skip the block.
                return ProxyHeader.withoutAddresses(2, Command.PROXY, ProxyTlvs.NONE);
            }
            case FAM_UDP4, FAM_UDP6, FAM_UNIX_DGRAM ->
                    throw new ProxyProtocolException("v2 datagram transport (family 0x" + Integer.toHexString(fam)
                            + ") on a TCP listener");
            default -> throw new ProxyProtocolException("v2 address family/transport 0x" + Integer.toHexString(fam)
                    + " (expected: 0x00, 0x11, 0x21 or 0x31)");
        }
        ProxyTlvs tlvs = parseTlvs(in, start, p, end);
        return src == null ? ProxyHeader.withoutAddresses(2, Command.PROXY, tlvs)
                : new ProxyHeader(2, Command.PROXY, src, dst, tlvs);
    }

    private static void need(int len, int min, String fam) throws ProxyProtocolException {
        if (len < min) {
            throw new ProxyProtocolException("v2 " + fam + " header length " + len + " (expected: at least " + min + ")");
        }
    }

    private static InetAddress address(ByteBuf in, int at, int size) {
        byte[] b = new byte[size];
        in.getBytes(at, b);
        try {
            // Raw bytes never resolve. A v4-mapped IPv6 address comes back as Inet4Address, which is what
            // trusted_ips and the logs want anyway.
            InetAddress a = InetAddress.getByAddress(b);
            assert size == 4 ? a instanceof Inet4Address : a instanceof Inet6Address || a instanceof Inet4Address;
            return a;
        } catch (UnknownHostException e) {
            throw new AssertionError("4 or 16 bytes cannot be rejected", e);
        }
    }

    private static ProxyTlvs parseTlvs(ByteBuf in, int headerStart, int p, int end) throws ProxyProtocolException {
        if (p == end) {
            return ProxyTlvs.NONE;
        }
        List<ProxyTlvs.Tlv> tlvs = new ArrayList<>(4);
        int crcAt = -1;
        while (p < end) {
            if (end - p < 3) {
                throw new ProxyProtocolException("v2 TLV truncated: " + (end - p) + " byte(s) left, a TLV needs at least 3");
            }
            int type = in.getUnsignedByte(p);
            int len = in.getUnsignedShort(p + 1);
            if (p + 3 + len > end) {
                throw new ProxyProtocolException(String.format("v2 TLV 0x%02X announces %d bytes, only %d left",
                        type, len, end - p - 3));
            }
            byte[] value = new byte[len];
            in.getBytes(p + 3, value);
            checkShape(type, value);
            if (type == ProxyTlvs.CRC32C) {
                if (crcAt >= 0) {
                    throw new ProxyProtocolException("v2 TLV CRC32C appears twice");
                }
                crcAt = p + 3;
            } else if (type != ProxyTlvs.NOOP) {
                tlvs.add(new ProxyTlvs.Tlv(type, value));
            }
            p += 3 + len;
        }
        if (crcAt >= 0) {
            checkCrc(in, headerStart, end, crcAt);
        }
        return new ProxyTlvs(tlvs);
    }

    /** The known types have fixed shapes; a malformed one means a broken or forged header. */
    private static void checkShape(int type, byte[] v) throws ProxyProtocolException {
        String problem = switch (type) {
            case ProxyTlvs.CRC32C -> v.length == 4 ? null : "CRC32C must be 4 bytes";
            case ProxyTlvs.GCP -> v.length == 8 ? null : "GCP PSC connection id must be 8 bytes";
            case ProxyTlvs.AWS -> v.length >= 1 ? null : "AWS TLV needs a subtype byte";
            case ProxyTlvs.AZURE -> v.length == 0 ? "Azure TLV needs a subtype byte"
                    : (v[0] == ProxyTlvs.AZURE_SUBTYPE_LINK_ID && v.length != 5) ? "Azure link id must be 4 bytes" : null;
            case ProxyTlvs.ALPN, ProxyTlvs.AUTHORITY -> v.length >= 1 ? null : "ALPN/AUTHORITY must not be empty";
            default -> null;
        };
        if (problem != null) {
            throw new ProxyProtocolException(String.format("v2 TLV 0x%02X (%d bytes): %s", type, v.length, problem));
        }
    }

    private static void checkCrc(ByteBuf in, int start, int end, int crcAt) throws ProxyProtocolException {
        long expected = in.getUnsignedInt(crcAt);
        CRC32C crc = new CRC32C();
        byte[] header = new byte[end - start];
        in.getBytes(start, header);
        int off = crcAt - start;
        for (int i = 0; i < 4; i++) {
            header[off + i] = 0; // the checksum is computed with its own field zeroed
        }
        crc.update(header);
        if (crc.getValue() != expected) {
            throw new ProxyProtocolException(String.format("v2 CRC32C mismatch: header says %08x, computed %08x",
                    expected, crc.getValue()));
        }
    }
}
