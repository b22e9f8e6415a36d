package org.kongjava.proxy.http;

import java.net.InetAddress;
import java.net.UnknownHostException;

/**
 * IP literal parsing and printing with nginx's rules ({@code ngx_parse_addr_port}, {@code ngx_inet_addr},
 * {@code ngx_inet6_addr}, {@code ngx_inet6_ntop}), so that addresses taken from forwarding headers are
 * accepted, rejected and printed exactly as nginx's realip module does. Never resolves names.
 */
final class IpLiterals {
    private IpLiterals() {
    }

    /**
     * Parses {@code addr}, {@code ipv4:port} or {@code [ipv6]:port} in {@code s[from, to)}; the port is
     * checked (1-65535) and dropped. Returns 4 or 16 bytes, or null when nginx would decline the text.
     */
    static byte[] parseAddrPort(CharSequence s, int from, int to) {
        byte[] a = parseAddr(s, from, to);
        if (a != null || from >= to) {
            return a;
        }
        int addrFrom = from;
        int addrTo;
        int portFrom;
        if (s.charAt(from) == '[') {
            int close = indexOf(s, ']', from, to);
            if (close < 0 || close == to - 1 || s.charAt(close + 1) != ':') {
                return null;
            }
            addrFrom = from + 1;
            addrTo = close;
            portFrom = close + 2;
        } else {
            int colon = indexOf(s, ':', from, to);
            if (colon < 0) {
                return null;
            }
            addrTo = colon;
            portFrom = colon + 1;
        }
        int port = atoi(s, portFrom, to);
        if (port < 1 || port > 65535) {
            return null;
        }
        return parseAddr(s, addrFrom, addrTo);
    }

    /** Parses a bare IPv4 or IPv6 literal in {@code s[from, to)}; null when invalid. */
    static byte[] parseAddr(CharSequence s, int from, int to) {
        byte[] v4 = parseIpv4(s, from, to);
        if (v4 != null) {
            return v4;
        }
        return parseIpv6(s, from, to);
    }

    /** Parses a whole string as a bare IP literal; null when invalid. */
    static byte[] parseAddr(CharSequence s) {
        return s == null ? null : parseAddr(s, 0, s.length());
    }

    // nginx ngx_inet_addr: four decimal octets; empty octets count as 0 (nginx accepts "1..2.3"),
    // and 255.255.255.255 is INADDR_NONE, which nginx cannot tell from an error.
    private static byte[] parseIpv4(CharSequence s, int from, int to) {
        long addr = 0;
        int octet = 0;
        int dots = 0;
        for (int i = from; i < to; i++) {
            char c = s.charAt(i);
            if (c >= '0' && c <= '9') {
                octet = octet * 10 + (c - '0');
                if (octet > 255) {
                    return null;
                }
            } else if (c == '.') {
                addr = (addr << 8) + octet;
                octet = 0;
                dots++;
            } else {
                return null;
            }
        }
        if (dots != 3) {
            return null;
        }
        addr = (addr << 8) + octet;
        if (addr == 0xFFFFFFFFL) {
            return null;
        }
        return new byte[] {(byte) (addr >>> 24), (byte) (addr >>> 16), (byte) (addr >>> 8), (byte) addr};
    }

    // A port of nginx's ngx_inet6_addr (RFC 4291 text forms, "::" once, an embedded IPv4 tail).
    private static byte[] parseIpv6(CharSequence s, int from, int to) {
        int len = to - from;
        if (len <= 0) {
            return null;
        }
        byte[] out = new byte[16];
        int a = 0;
        int zero = -1;
        int digit = -1;
        int len4 = 0;
        int nibbles = 0;
        int word = 0;
        int n = 8;
        int p = from;
        if (s.charAt(p) == ':') {
            p++;
            len--;
        }
        boolean sawIpv4 = false;
        for (; len > 0; len--) {
            char c = s.charAt(p++);
            if (c == ':') {
                if (nibbles > 0) {
                    digit = p;
                    len4 = len;
                    out[a++] = (byte) (word >> 8);
                    out[a++] = (byte) word;
                    if (--n > 0) {
                        nibbles = 0;
                        word = 0;
                        continue;
                    }
                } else if (zero < 0) {
                    digit = p;
                    len4 = len;
                    zero = a;
                    continue;
                }
                return null;
            }
            if (c == '.' && nibbles > 0) {
                if (n < 2 || digit < 0) {
                    return null;
                }
                byte[] v4 = parseIpv4(s, digit, digit + len4 - 1);
                if (v4 == null) {
                    return null;
                }
                out[a++] = v4[0];
                out[a++] = v4[1];
                word = ((v4[2] & 0xff) << 8) | (v4[3] & 0xff);
                n--;
                sawIpv4 = true;
                break;
            }
            if (++nibbles > 4) {
                return null;
            }
            int v;
            if (c >= '0' && c <= '9') {
                v = c - '0';
            } else if ((c | 0x20) >= 'a' && (c | 0x20) <= 'f') {
                v = (c | 0x20) - 'a' + 10;
            } else {
                return null;
            }
            word = word * 16 + v;
        }
        if (!sawIpv4 && nibbles == 0 && zero < 0) {
            return null;
        }
        out[a++] = (byte) (word >> 8);
        out[a++] = (byte) word;
        if (--n > 0) {
            if (zero >= 0) {
                int shift = n * 2;
                for (int i = a - 1; i >= zero; i--) {
                    out[i + shift] = out[i];
                }
                for (int i = zero; i < zero + shift; i++) {
                    out[i] = 0;
                }
                return out;
            }
        } else if (zero < 0) {
            return out;
        }
        return null;
    }

    /** Prints an address the way nginx prints {@code $remote_addr}. */
    static String format(byte[] a) {
        if (a.length == 4) {
            return (a[0] & 0xff) + "." + (a[1] & 0xff) + "." + (a[2] & 0xff) + "." + (a[3] & 0xff);
        }
        // nginx ngx_inet6_ntop: compresses the first longest run of at least two zero words, and
        // prints IPv4-mapped / IPv4-compatible tails in dotted form.
        int zero = -1;
        int last = -1;
        int max = 1;
        int n = 0;
        for (int i = 0; i < 16; i += 2) {
            if (a[i] != 0 || a[i + 1] != 0) {
                if (max < n) {
                    zero = last;
                    max = n;
                }
                n = 0;
                continue;
            }
            if (n++ == 0) {
                last = i;
            }
        }
        if (max < n) {
            zero = last;
            max = n;
        }
        StringBuilder sb = new StringBuilder(40);
        int end = 16;
        if (zero == 0) {
            if ((max == 5 && (a[10] & 0xff) == 0xff && (a[11] & 0xff) == 0xff)
                    || max == 6
                    || (max == 7 && a[14] != 0 && a[15] != 1)) {
                end = 12;
            }
            sb.append(':');
        }
        for (int i = 0; i < end; i += 2) {
            if (i == zero) {
                sb.append(':');
                i += (max - 1) * 2;
                continue;
            }
            sb.append(Integer.toHexString(((a[i] & 0xff) << 8) | (a[i + 1] & 0xff)));
            if (i < 14) {
                sb.append(':');
            }
        }
        if (end == 12) {
            sb.append(a[12] & 0xff).append('.').append(a[13] & 0xff).append('.')
                    .append(a[14] & 0xff).append('.').append(a[15] & 0xff);
        }
        return sb.toString();
    }

    /** The address for the bytes (no lookup: {@link InetAddress#getByAddress(byte[])} never resolves). */
    static InetAddress toInet(byte[] a) {
        try {
            return InetAddress.getByAddress(a);
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException("IP address length: " + a.length + " (expected: 4 or 16)", e);
        }
    }

    private static int indexOf(CharSequence s, char c, int from, int to) {
        for (int i = from; i < to; i++) {
            if (s.charAt(i) == c) {
                return i;
            }
        }
        return -1;
    }

    // nginx ngx_atoi: digits only, -1 for empty or non-digit input.
    private static int atoi(CharSequence s, int from, int to) {
        if (from >= to || to - from > 6) {
            return -1;
        }
        int v = 0;
        for (int i = from; i < to; i++) {
            char c = s.charAt(i);
            if (c < '0' || c > '9') {
                return -1;
            }
            v = v * 10 + (c - '0');
        }
        return v;
    }
}
