package org.kongjava.core.proxyprotocol;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Objects;

/**
 * Writes PROXY protocol headers for a connection the gateway opens to an upstream that expects one (a
 * service option): the upstream then sees the client's address, as the gateway saw it, instead of the
 * gateway's. Write the header first, before any TLS handshake or request byte.
 *
 * <p>When source and destination differ in family, IPv4 is written as IPv4-mapped IPv6 (as haproxy does),
 * because both versions of the protocol carry one family per header.
 */
public final class ProxyHeaderEncoder {

    private ProxyHeaderEncoder() {
    }

    /** {@code PROXY TCP4|TCP6 <src> <dst> <sport> <dport>\r\n}. The caller owns the returned buffer. */
    public static ByteBuf v1(ByteBufAllocator alloc, InetSocketAddress source, InetSocketAddress destination) {
        InetAddress[] a = sameFamily(source, destination);
        boolean v4 = a[0] instanceof Inet4Address;
        String line = "PROXY " + (v4 ? "TCP4 " : "TCP6 ") + text(a[0]) + " " + text(a[1]) + " "
                + source.getPort() + " " + destination.getPort() + "\r\n";
        ByteBuf out = alloc.buffer(line.length());
        out.writeCharSequence(line, StandardCharsets.US_ASCII);
        return out;
    }

    /** {@code PROXY UNKNOWN\r\n}: the receiver keeps its socket addresses. */
    public static ByteBuf v1Unknown(ByteBufAllocator alloc) {
        ByteBuf out = alloc.buffer(15);
        out.writeCharSequence("PROXY UNKNOWN\r\n", StandardCharsets.US_ASCII);
        return out;
    }

    /**
     * A v2 {@code PROXY} command over TCP with the given TLVs (in order; pass {@code List.of()} for none).
     *
     * @throws IllegalArgumentException when the TLVs make the header longer than 65535 bytes
     */
    public static ByteBuf v2(ByteBufAllocator alloc, InetSocketAddress source, InetSocketAddress destination,
                             List<ProxyTlvs.Tlv> tlvs) {
        InetAddress[] a = sameFamily(source, destination);
        boolean v4 = a[0] instanceof Inet4Address;
        int addrLen = v4 ? 12 : 36;
        int len = addrLen + tlvLength(tlvs);
        ByteBuf out = alloc.buffer(ProxyHeaderDecoder.V2_PREAMBLE + len);
        out.writeBytes(ProxyHeaderDecoder.V2_SIGNATURE);
        out.writeByte(0x21); // version 2, PROXY
        out.writeByte(v4 ? 0x11 : 0x21); // TCP over IPv4 / IPv6
        out.writeShort(len);
        out.writeBytes(a[0].getAddress());
        out.writeBytes(a[1].getAddress());
        out.writeShort(source.getPort());
        out.writeShort(destination.getPort());
        writeTlvs(out, tlvs);
        return out;
    }

    /** A v2 {@code LOCAL} command (no addresses): what a balancer sends for its own health checks. */
    public static ByteBuf v2Local(ByteBufAllocator alloc) {
        ByteBuf out = alloc.buffer(ProxyHeaderDecoder.V2_PREAMBLE);
        out.writeBytes(ProxyHeaderDecoder.V2_SIGNATURE);
        out.writeByte(0x20); // version 2, LOCAL
        out.writeByte(0x00); // AF_UNSPEC
        out.writeShort(0);
        return out;
    }

    private static int tlvLength(List<ProxyTlvs.Tlv> tlvs) {
        int n = 0;
        for (ProxyTlvs.Tlv t : Objects.requireNonNull(tlvs, "tlvs")) {
            n += 3 + t.length();
        }
        if (n + 36 > 0xffff) {
            throw new IllegalArgumentException("tlvs: " + n + " bytes (expected: the header to fit in 65535 bytes)");
        }
        return n;
    }

    private static void writeTlvs(ByteBuf out, List<ProxyTlvs.Tlv> tlvs) {
        for (ProxyTlvs.Tlv t : tlvs) {
            out.writeByte(t.type());
            out.writeShort(t.length());
            for (int i = 0; i < t.length(); i++) {
                out.writeByte(t.at(i));
            }
        }
    }

    private static InetAddress[] sameFamily(InetSocketAddress source, InetSocketAddress destination) {
        InetAddress s = resolved(source, "source");
        InetAddress d = resolved(destination, "destination");
        boolean s4 = s instanceof Inet4Address;
        boolean d4 = d instanceof Inet4Address;
        if (s4 != d4) {
            s = s4 ? mapped(s) : s;
            d = d4 ? mapped(d) : d;
        }
        return new InetAddress[] {s, d};
    }

    private static InetAddress resolved(InetSocketAddress a, String what) {
        Objects.requireNonNull(a, what);
        if (a.getAddress() == null) {
            throw new IllegalArgumentException(what + ": " + a + " (expected: an IP address, not an unresolved name)");
        }
        return a.getAddress();
    }

    private static InetAddress mapped(InetAddress v4) {
        byte[] b = new byte[16];
        b[10] = (byte) 0xff;
        b[11] = (byte) 0xff;
        System.arraycopy(v4.getAddress(), 0, b, 12, 4);
        try {
            // Inet6Address.getByAddress keeps the mapped form (InetAddress.getByAddress would unwrap it).
            return java.net.Inet6Address.getByAddress(null, b, -1);
        } catch (UnknownHostException e) {
            throw new AssertionError(e);
        }
    }

    /** Address text without a scope id (not part of the protocol). */
    private static String text(InetAddress a) {
        String s = a.getHostAddress();
        int pct = s.indexOf('%');
        return pct < 0 ? s : s.substring(0, pct);
    }
}
