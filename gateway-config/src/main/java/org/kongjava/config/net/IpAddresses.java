package org.kongjava.config.net;

import java.net.InetAddress;
import java.net.UnknownHostException;

/**
 * IP literal parsing that never touches DNS.
 *
 * <p>{@link InetAddress#getByName(String)} resolves anything that is not a literal, which is a network call
 * (and a stall) in the middle of config validation; these methods only ever look at the characters.
 */
public final class IpAddresses {

    private IpAddresses() {
    }

    /**
     * Parses an IPv4 ({@code 10.0.0.1}) or IPv6 ({@code ::1}, {@code [::1]}, {@code ::ffff:10.0.0.1}) literal.
     * Zone ids ({@code fe80::1%eth0}) are not accepted.
     *
     * @return the address, or null when {@code text} is not an IP literal (a hostname, garbage, null)
     */
    public static InetAddress parseLiteral(String text) {
        if (text == null || text.isEmpty()) {
            return null;
        }
        String s = text;
        if (s.length() > 2 && s.charAt(0) == '[' && s.charAt(s.length() - 1) == ']') {
            s = s.substring(1, s.length() - 1);
        }
        byte[] bytes = s.indexOf(':') >= 0 ? parseV6(s) : parseV4(s);
        if (bytes == null) {
            return null;
        }
        try {
            // getByAddress with raw bytes never resolves.
            return InetAddress.getByAddress(bytes);
        } catch (UnknownHostException e) {
            throw new AssertionError("4 or 16 bytes cannot be rejected", e);
        }
    }

    /** True when {@code text} looks like an attempt at an IPv4 address: digits and dots only, with a dot. */
    public static boolean looksLikeIpv4(String text) {
        if (text == null || text.isEmpty() || text.indexOf('.') < 0) {
            return false;
        }
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c != '.' && (c < '0' || c > '9')) {
                return false;
            }
        }
        return true;
    }

    /** Four decimal parts 0-255 (at most three digits each); null otherwise. */
    static byte[] parseV4(String s) {
        byte[] out = new byte[4];
        int part = 0;
        int value = 0;
        int digits = 0;
        for (int i = 0; i <= s.length(); i++) {
            char c = i < s.length() ? s.charAt(i) : '.';
            if (c == '.') {
                if (digits == 0 || part == 4) {
                    return null;
                }
                out[part++] = (byte) value;
                value = 0;
                digits = 0;
            } else if (c >= '0' && c <= '9') {
                value = value * 10 + (c - '0');
                if (++digits > 3 || value > 255) {
                    return null;
                }
            } else {
                return null;
            }
        }
        return part == 4 ? out : null;
    }

    /** RFC 4291 text form: up to eight hex groups, one {@code ::}, optional dotted IPv4 tail; null otherwise. */
    static byte[] parseV6(String s) {
        if (s.indexOf('%') >= 0) {
            return null;
        }
        int gap = s.indexOf("::");
        if (gap >= 0 && s.indexOf("::", gap + 1) >= 0) {
            return null;
        }
        byte[] out = new byte[16];
        if (gap < 0) {
            return fillGroups(s, out, 0, 16) == 16 ? out : null;
        }
        String head = s.substring(0, gap);
        String tail = s.substring(gap + 2);
        byte[] tailBytes = new byte[16];
        int headLen = head.isEmpty() ? 0 : fillGroups(head, out, 0, 16);
        int tailLen = tail.isEmpty() ? 0 : fillGroups(tail, tailBytes, 0, 16);
        // "::" stands for at least one zero group.
        if (headLen < 0 || tailLen < 0 || headLen + tailLen > 14) {
            return null;
        }
        System.arraycopy(tailBytes, 0, out, 16 - tailLen, tailLen);
        return out;
    }

    /** Writes colon-separated groups from {@code pos}; returns bytes written or -1. */
    private static int fillGroups(String s, byte[] out, int pos, int limit) {
        String[] groups = s.split(":", -1);
        int n = pos;
        for (int g = 0; g < groups.length; g++) {
            String group = groups[g];
            boolean last = g == groups.length - 1;
            if (last && group.indexOf('.') >= 0) {
                byte[] v4 = parseV4(group);
                if (v4 == null || n + 4 > limit) {
                    return -1;
                }
                System.arraycopy(v4, 0, out, n, 4);
                n += 4;
                continue;
            }
            if (group.isEmpty() || group.length() > 4 || n + 2 > limit) {
                return -1;
            }
            int value = 0;
            for (int i = 0; i < group.length(); i++) {
                int d = hexDigit(group.charAt(i));
                if (d < 0) {
                    return -1;
                }
                value = value * 16 + d;
            }
            out[n++] = (byte) (value >> 8);
            out[n++] = (byte) value;
        }
        return n - pos;
    }

    /** ASCII only: Character.digit would also accept non-ASCII digits. */
    private static int hexDigit(char c) {
        if (c >= '0' && c <= '9') {
            return c - '0';
        }
        if (c >= 'a' && c <= 'f') {
            return c - 'a' + 10;
        }
        if (c >= 'A' && c <= 'F') {
            return c - 'A' + 10;
        }
        return -1;
    }
}
