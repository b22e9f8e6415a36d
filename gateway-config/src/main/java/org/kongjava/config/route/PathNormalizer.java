package org.kongjava.config.route;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Kong's request-path normalization and upstream escaping ({@code kong/tools/uri.lua}, routing.md §2, §7).
 * <p>
 * Strings are Unicode: percent-encoded bytes that form valid UTF-8 are decoded to characters, and
 * {@link #escape} encodes characters outside the safe set as UTF-8 {@code %XX}. Kong works on raw
 * bytes; the results agree for valid UTF-8. A decoded byte run that is not valid UTF-8 is kept
 * percent-encoded (upper-case), which sends the same bytes upstream as Kong does.
 * Stateless and thread-safe.
 */
public final class PathNormalizer {

    /** Characters whose {@code %XX} form is kept (upper-cased) rather than decoded. */
    private static final String RESERVED = "!*'();:@&=+$,/?%#[]";
    /** Characters {@link #escape} leaves alone, besides ASCII letters and digits. */
    private static final String ESCAPE_SAFE = "!#$&'()*+,/:;=?@[]-_.~%";

    private static final boolean[] IS_RESERVED = new boolean[128];
    private static final boolean[] IS_SAFE = new boolean[128];
    private static final char[] HEX = "0123456789ABCDEF".toCharArray();

    static {
        for (char c : RESERVED.toCharArray()) {
            IS_RESERVED[c] = true;
        }
        for (char c = 'a'; c <= 'z'; c++) {
            IS_SAFE[c] = true;
            IS_SAFE[c - 'a' + 'A'] = true;
        }
        for (char c = '0'; c <= '9'; c++) {
            IS_SAFE[c] = true;
        }
        for (char c : ESCAPE_SAFE.toCharArray()) {
            IS_SAFE[c] = true;
        }
    }

    private PathNormalizer() {
    }

    /**
     * Normalizes a request path (without query) the way Kong does before routing and proxying:
     * {@code %XX} of reserved characters ({@code !*'();:@&=+$,/?%#[]}) is kept but upper-cased, every
     * other {@code %XX} is decoded; dot segments are removed ({@code /a/./b/../c} → {@code /a/c}, a
     * leading {@code ..} is dropped); repeated slashes are merged. A route prefix path is valid only
     * when {@code normalize(path).equals(path)}.
     *
     * @param path the path as sent; null is treated as empty
     * @return the normalized path; the same instance when nothing changes
     */
    public static String normalize(String path) {
        if (path == null || path.isEmpty() || path.equals("/")) {
            return path == null ? "" : path;
        }
        String u = path.indexOf('%') >= 0 ? decode(path) : path;
        // Like Kong, skip segment processing when it cannot change anything.
        if (u.indexOf('.') < 0 && u.indexOf("//") < 0) {
            return u;
        }
        return removeDotSegments(u);
    }

    /**
     * Percent-escapes every character outside {@code A-Za-z0-9-._~!#$&'()*+,/:;=?@[]%} as upper-case
     * {@code %XX} of its UTF-8 bytes: the final step before a path is sent upstream.
     *
     * @return the escaped path; the same instance when nothing needs escaping
     */
    public static String escape(String path) {
        int n = path.length();
        int i = 0;
        while (i < n && isSafe(path.charAt(i))) {
            i++;
        }
        if (i == n) {
            return path;
        }
        StringBuilder sb = new StringBuilder(n + 16);
        sb.append(path, 0, i);
        while (i < n) {
            char c = path.charAt(i);
            if (isSafe(c)) {
                sb.append(c);
                i++;
                continue;
            }
            int end = i + (Character.isHighSurrogate(c) && i + 1 < n && Character.isLowSurrogate(path.charAt(i + 1)) ? 2 : 1);
            byte[] bytes = path.substring(i, end).getBytes(StandardCharsets.UTF_8);
            for (byte b : bytes) {
                appendPercent(sb, b & 0xFF);
            }
            i = end;
        }
        return sb.toString();
    }

    private static boolean isSafe(char c) {
        return c < 128 && IS_SAFE[c];
    }

    private static void appendPercent(StringBuilder sb, int b) {
        sb.append('%').append(HEX[b >> 4]).append(HEX[b & 0xF]);
    }

    private static int hexValue(char c) {
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

    /** One pass over the string: a decoded {@code %25} is not decoded again (as in Kong's gsub). */
    private static String decode(String s) {
        int n = s.length();
        StringBuilder sb = new StringBuilder(n);
        byte[] pending = new byte[8];
        int pendingLen = 0;
        int i = 0;
        while (i < n) {
            char c = s.charAt(i);
            int hi;
            int lo;
            if (c == '%' && i + 2 < n
                    && (hi = hexValue(s.charAt(i + 1))) >= 0 && (lo = hexValue(s.charAt(i + 2))) >= 0) {
                int v = (hi << 4) | lo;
                if (v >= 0x80) {
                    if (pendingLen == pending.length) {
                        pending = Arrays.copyOf(pending, pendingLen * 2);
                    }
                    pending[pendingLen++] = (byte) v;
                } else {
                    pendingLen = flushUtf8(sb, pending, pendingLen);
                    if (IS_RESERVED[v]) {
                        appendPercent(sb, v);
                    } else {
                        sb.append((char) v);
                    }
                }
                i += 3;
            } else {
                pendingLen = flushUtf8(sb, pending, pendingLen);
                sb.append(c);
                i++;
            }
        }
        flushUtf8(sb, pending, pendingLen);
        return sb.toString();
    }

    /** Appends decoded bytes (all >= 0x80): valid UTF-8 sequences as characters, other bytes as {@code %XX}. */
    private static int flushUtf8(StringBuilder sb, byte[] b, int len) {
        int j = 0;
        while (j < len) {
            int b0 = b[j] & 0xFF;
            int need;
            int min2 = 0x80;
            int max2 = 0xBF;
            if (b0 >= 0xC2 && b0 <= 0xDF) {
                need = 1;
            } else if (b0 >= 0xE0 && b0 <= 0xEF) {
                need = 2;
                if (b0 == 0xE0) {
                    min2 = 0xA0;
                } else if (b0 == 0xED) {
                    max2 = 0x9F;
                }
            } else if (b0 >= 0xF0 && b0 <= 0xF4) {
                need = 3;
                if (b0 == 0xF0) {
                    min2 = 0x90;
                } else if (b0 == 0xF4) {
                    max2 = 0x8F;
                }
            } else {
                need = -1;
            }
            // the lead byte and `need` continuation bytes must all be present
            boolean ok = need > 0 && j + need < len;
            if (ok) {
                int second = b[j + 1] & 0xFF;
                ok = second >= min2 && second <= max2;
                for (int k = 2; ok && k <= need; k++) {
                    int cont = b[j + k] & 0xFF;
                    ok = cont >= 0x80 && cont <= 0xBF;
                }
            }
            if (ok) {
                int cp = b0 & (need == 1 ? 0x1F : need == 2 ? 0x0F : 0x07);
                for (int k = 1; k <= need; k++) {
                    cp = (cp << 6) | (b[j + k] & 0x3F);
                }
                sb.appendCodePoint(cp);
                j += need + 1;
            } else {
                appendPercent(sb, b0);
                j++;
            }
        }
        return 0;
    }

    /**
     * Dot-segment removal with slash merging, following {@code kong/tools/uri.lua} step by step
     * (so odd inputs such as relative paths give Kong's answer, not RFC 3986's).
     */
    private static String removeDotSegments(String u) {
        int n = u.length();
        StringBuilder out = new StringBuilder(n);
        int[] starts = new int[16];
        int segs = 0;
        int i = 0;
        while (i < n) {
            int rem = n - i;
            char c0 = u.charAt(i);
            char c1 = rem > 1 ? u.charAt(i + 1) : 0;
            char c2 = rem > 2 ? u.charAt(i + 2) : 0;
            char c3 = rem > 3 ? u.charAt(i + 3) : 0;
            if (rem == 2 && c0 == '/' && c1 == '.') {
                // "/." → "/", which the next step would emit as a final "/" segment
                if (segs == starts.length) {
                    starts = Arrays.copyOf(starts, segs * 2);
                }
                starts[segs++] = out.length();
                out.append('/');
                break;
            } else if (rem == 3 && c0 == '/' && c1 == '.' && c2 == '.') {
                if (segs > 0) {
                    out.setLength(starts[--segs]);
                }
                if (segs == starts.length) {
                    starts = Arrays.copyOf(starts, segs * 2);
                }
                starts[segs++] = out.length();
                out.append('/');
                break;
            } else if ((rem == 1 && c0 == '.') || (rem == 2 && c0 == '.' && c1 == '.')) {
                break;
            } else if (c0 == '.' && c1 == '.' && c2 == '/') {
                i += 3;
            } else if (c0 == '.' && c1 == '/') {
                i += 2;
            } else if (c0 == '/' && c1 == '.' && c2 == '/') {
                i += 2;
            } else if (c0 == '/' && c1 == '.' && c2 == '.' && c3 == '/') {
                i += 3;
                if (segs > 0) {
                    out.setLength(starts[--segs]);
                }
            } else if (c0 == '/' && c1 == '/') {
                i += 1;
            } else {
                int slash = u.indexOf('/', i + 1);
                int end = slash < 0 ? n : slash;
                if (segs == starts.length) {
                    starts = Arrays.copyOf(starts, segs * 2);
                }
                starts[segs++] = out.length();
                out.append(u, i, end);
                i = end;
            }
        }
        return out.toString();
    }
}
