package org.kongjava.core.balance;

import java.nio.charset.StandardCharsets;

/**
 * xxHash32 with seed 0 over the UTF-8 bytes of a string: the hash Kong's consistent-hashing balancer uses
 * ({@code luaxxhash}), so a key lands on the same continuum slot as in Kong for the same addresses.
 */
final class XxHash32 {
    private static final int P1 = 0x9E3779B1;
    private static final int P2 = 0x85EBCA77;
    private static final int P3 = 0xC2B2AE3D;
    private static final int P4 = 0x27D4EB2F;
    private static final int P5 = 0x165667B1;

    private XxHash32() {
    }

    /** The hash as an unsigned 32-bit value. */
    static long hash(String s) {
        return Integer.toUnsignedLong(hash(s.getBytes(StandardCharsets.UTF_8)));
    }

    static int hash(byte[] b) {
        int len = b.length;
        int i = 0;
        int h;
        if (len >= 16) {
            int v1 = P1 + P2;
            int v2 = P2;
            int v3 = 0;
            int v4 = -P1;
            int limit = len - 16;
            do {
                v1 = round(v1, le32(b, i));
                v2 = round(v2, le32(b, i + 4));
                v3 = round(v3, le32(b, i + 8));
                v4 = round(v4, le32(b, i + 12));
                i += 16;
            } while (i <= limit);
            h = Integer.rotateLeft(v1, 1) + Integer.rotateLeft(v2, 7) + Integer.rotateLeft(v3, 12) + Integer.rotateLeft(v4, 18);
        } else {
            h = P5;
        }
        h += len;
        while (i + 4 <= len) {
            h += le32(b, i) * P3;
            h = Integer.rotateLeft(h, 17) * P4;
            i += 4;
        }
        while (i < len) {
            h += (b[i] & 0xFF) * P5;
            h = Integer.rotateLeft(h, 11) * P1;
            i++;
        }
        h ^= h >>> 15;
        h *= P2;
        h ^= h >>> 13;
        h *= P3;
        h ^= h >>> 16;
        return h;
    }

    private static int round(int acc, int lane) {
        acc += lane * P2;
        acc = Integer.rotateLeft(acc, 13);
        return acc * P1;
    }

    private static int le32(byte[] b, int i) {
        return (b[i] & 0xFF) | (b[i + 1] & 0xFF) << 8 | (b[i + 2] & 0xFF) << 16 | (b[i + 3] & 0xFF) << 24;
    }
}
