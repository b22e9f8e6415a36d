package org.kongjava.core.proxyprotocol;

import java.io.ByteArrayOutputStream;
import java.util.zip.CRC32C;

/** Builds PROXY v2 headers byte by byte, independently of {@link ProxyHeaderEncoder}, for decoder tests. */
final class V2Bytes {
    static final byte[] SIG = {0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A};

    private final ByteArrayOutputStream body = new ByteArrayOutputStream();
    private int verCmd = 0x21;
    private int family = 0x11;
    private Integer lengthOverride;
    private int crcOffset = -1;

    static V2Bytes tcp4(String src, String dst, int sport, int dport) {
        V2Bytes b = new V2Bytes();
        b.family = 0x11;
        b.raw(ip(src)).raw(ip(dst)).u16(sport).u16(dport);
        return b;
    }

    static V2Bytes tcp6(String src, String dst, int sport, int dport) {
        V2Bytes b = new V2Bytes();
        b.family = 0x21;
        b.raw(ip(src)).raw(ip(dst)).u16(sport).u16(dport);
        return b;
    }

    static V2Bytes local() {
        V2Bytes b = new V2Bytes();
        b.verCmd = 0x20;
        b.family = 0x00;
        return b;
    }

    static V2Bytes withFamily(int verCmd, int family, int bodyBytes) {
        V2Bytes b = new V2Bytes();
        b.verCmd = verCmd;
        b.family = family;
        b.raw(new byte[bodyBytes]);
        return b;
    }

    V2Bytes tlv(int type, byte... value) {
        body.write(type);
        u16(value.length);
        raw(value);
        return this;
    }

    V2Bytes tlv(int type, String ascii) {
        return tlv(type, ascii.getBytes(java.nio.charset.StandardCharsets.US_ASCII));
    }

    /** A CRC32C TLV, filled in by {@link #bytes()}. */
    V2Bytes crc32c() {
        body.write(0x03);
        u16(4);
        crcOffset = body.size();
        raw(new byte[4]);
        return this;
    }

    V2Bytes raw(byte... b) {
        body.write(b, 0, b.length);
        return this;
    }

    V2Bytes u16(int v) {
        body.write(v >> 8);
        body.write(v & 0xff);
        return this;
    }

    /** Announce a length different from the body's real length. */
    V2Bytes length(int len) {
        lengthOverride = len;
        return this;
    }

    byte[] bytes() {
        byte[] b = body.toByteArray();
        int len = lengthOverride != null ? lengthOverride : b.length;
        byte[] out = new byte[16 + b.length];
        System.arraycopy(SIG, 0, out, 0, 12);
        out[12] = (byte) verCmd;
        out[13] = (byte) family;
        out[14] = (byte) (len >> 8);
        out[15] = (byte) len;
        System.arraycopy(b, 0, out, 16, b.length);
        if (crcOffset >= 0) {
            CRC32C crc = new CRC32C();
            crc.update(out);
            long v = crc.getValue();
            int at = 16 + crcOffset;
            out[at] = (byte) (v >> 24);
            out[at + 1] = (byte) (v >> 16);
            out[at + 2] = (byte) (v >> 8);
            out[at + 3] = (byte) v;
        }
        return out;
    }

    static byte[] ip(String literal) {
        return org.kongjava.config.net.IpAddresses.parseLiteral(literal) instanceof java.net.Inet4Address a
                && literal.indexOf(':') < 0 ? a.getAddress() : v6(literal);
    }

    private static byte[] v6(String literal) {
        byte[] b = org.kongjava.config.net.IpAddresses.parseLiteral(literal).getAddress();
        if (b.length == 16) {
            return b;
        }
        byte[] m = new byte[16];
        m[10] = (byte) 0xff;
        m[11] = (byte) 0xff;
        System.arraycopy(b, 0, m, 12, 4);
        return m;
    }
}
