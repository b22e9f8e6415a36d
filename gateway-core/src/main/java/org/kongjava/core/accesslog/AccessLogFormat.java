package org.kongjava.core.accesslog;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.Base64;
import java.util.Locale;
import java.util.Map;
import org.kongjava.core.proxyprotocol.ProxyTlvs;

/**
 * The line formats of Kong's access logs, built into one {@link StringBuilder} on the event loop:
 * <ul>
 * <li>{@code kong_log_format} (proxy): {@code $remote_addr - $remote_user [$time_local] "$request" $status
 *     $body_bytes_sent "$http_referer" "$http_user_agent" kong_request_id: "$kong_request_id"}</li>
 * <li>{@code combined} (Admin API, nginx's default): the same without the request id</li>
 * <li>{@code basic} (stream): {@code $remote_addr [$time_local] $protocol $status $bytes_sent $bytes_received
 *     $session_time}</li>
 * </ul>
 * As nginx does, an empty or missing value prints {@code -}, and {@code "}, {@code \}, control characters and
 * bytes above 0x7E are written {@code \xHH}. kong-java extension: when the connection carried PROXY protocol v2
 * TLVs that the gateway understands, {@code  proxy_tlvs: "name=value,..."} is appended (names as in
 * {@link ProxyTlvs#named()}).
 */
public final class AccessLogFormat {
    /** Format names, as kong.conf writes them after the path. */
    public static final String KONG = "kong_log_format";
    public static final String COMBINED = "combined";
    public static final String BASIC = "basic";
    private static final DateTimeFormatter TIME_LOCAL =
            DateTimeFormatter.ofPattern("dd/MMM/yyyy:HH:mm:ss Z", Locale.ROOT).withZone(ZoneId.systemDefault());
    private static final char[] HEX = "0123456789ABCDEF".toCharArray();

    /** The last formatted second: formatting a date is costly, a line per second shares it. */
    private record CachedTime(long second, String text) {
    }

    private static volatile CachedTime cached = new CachedTime(-1, "");

    private AccessLogFormat() {
    }

    /**
     * A proxy ({@code requestId} non-null: {@code kong_log_format}) or Admin API ({@code requestId} null:
     * {@code combined}) line.
     *
     * @param authorization the request's {@code Authorization} header (for {@code $remote_user}), or null
     * @param protocol      e.g. {@code HTTP/1.1}, {@code HTTP/2.0}
     * @param tlvs          the connection's PROXY v2 TLVs, or null
     */
    public static StringBuilder http(String remoteAddr, String authorization, long timeMillis, String method,
                                     String uri, String protocol, int status, long bodyBytesSent, String referer,
                                     String userAgent, String requestId, ProxyTlvs tlvs) {
        StringBuilder sb = new StringBuilder(160 + (uri == null ? 0 : uri.length())
                + (userAgent == null ? 0 : userAgent.length()));
        escaped(sb, remoteAddr).append(" - ");
        escaped(sb, remoteUser(authorization)).append(" [");
        timeLocal(sb, timeMillis).append("] \"");
        if (method == null) {
            sb.append('-');
        } else {
            escaped(sb, method).append(' ');
            escaped(sb, uri).append(' ');
            escaped(sb, protocol);
        }
        sb.append("\" ").append(status).append(' ').append(bodyBytesSent).append(" \"");
        escaped(sb, referer).append("\" \"");
        escaped(sb, userAgent).append('"');
        if (requestId != null) {
            sb.append(" kong_request_id: \"");
            escaped(sb, requestId).append('"');
        }
        return tlvs(sb, tlvs);
    }

    /**
     * A stream connection line ({@code basic}).
     *
     * @param protocol {@code TCP} or {@code UDP}
     */
    public static StringBuilder stream(String remoteAddr, long timeMillis, String protocol, int status, long bytesSent,
                                       long bytesReceived, long sessionMillis, ProxyTlvs tlvs) {
        StringBuilder sb = new StringBuilder(96);
        escaped(sb, remoteAddr).append(" [");
        timeLocal(sb, timeMillis).append("] ").append(protocol).append(' ').append(status).append(' ')
                .append(bytesSent).append(' ').append(bytesReceived).append(' ');
        sb.append(sessionMillis / 1000).append('.');
        long ms = sessionMillis % 1000;
        sb.append(ms < 100 ? ms < 10 ? "00" : "0" : "").append(ms);
        return tlvs(sb, tlvs);
    }

    /** Appends {@code  proxy_tlvs: "..."} when {@code tlvs} holds named entries; else nothing. */
    public static StringBuilder tlvs(StringBuilder sb, ProxyTlvs tlvs) {
        if (tlvs == null || tlvs.all().isEmpty()) {
            return sb;
        }
        Map<String, String> named = tlvs.named();
        if (named.isEmpty()) {
            return sb;
        }
        sb.append(" proxy_tlvs: \"");
        boolean first = true;
        for (Map.Entry<String, String> e : named.entrySet()) {
            if (!first) {
                sb.append(',');
            }
            first = false;
            sb.append(e.getKey()).append('=');
            escapeInto(sb, e.getValue());
        }
        return sb.append('"');
    }

    /** {@code $time_local}: {@code 01/Dec/2026:22:16:55 +0000} in the JVM's time zone. */
    public static StringBuilder timeLocal(StringBuilder sb, long epochMillis) {
        long second = Math.floorDiv(epochMillis, 1000);
        CachedTime c = cached;
        if (c.second != second) {
            c = new CachedTime(second, TIME_LOCAL.format(Instant.ofEpochSecond(second)));
            cached = c;
        }
        return sb.append(c.text);
    }

    /** Appends {@code s} escaped as nginx escapes log variables, or {@code -} when it is null or empty. */
    public static StringBuilder escaped(StringBuilder sb, CharSequence s) {
        if (s == null || s.isEmpty()) {
            return sb.append('-');
        }
        escapeInto(sb, s);
        return sb;
    }

    private static void escapeInto(StringBuilder sb, CharSequence s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c >= 0x20 && c < 0x7f && c != '"' && c != '\\') {
                sb.append(c);
            } else if (c <= 0xff) {
                // Netty carries header bytes as ISO-8859-1 chars: one char is one byte on the wire.
                hex(sb, c);
            } else {
                int end = Character.isHighSurrogate(c) && i + 1 < s.length() ? i + 2 : i + 1;
                for (byte b : s.subSequence(i, end).toString().getBytes(StandardCharsets.UTF_8)) {
                    hex(sb, b & 0xff);
                }
                i = end - 1;
            }
        }
    }

    private static void hex(StringBuilder sb, int b) {
        sb.append('\\').append('x').append(HEX[b >> 4]).append(HEX[b & 0xf]);
    }

    /** {@code $remote_user}: the user name of a {@code Basic} Authorization header, else null. */
    static String remoteUser(String authorization) {
        if (authorization == null || authorization.length() < 7
                || !authorization.regionMatches(true, 0, "Basic ", 0, 6)) {
            return null;
        }
        try {
            byte[] raw = Base64.getDecoder().decode(authorization.substring(6).strip());
            String s = new String(raw, StandardCharsets.ISO_8859_1);
            int colon = s.indexOf(':');
            return colon < 0 ? null : s.substring(0, colon);
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    /** An address as nginx prints {@code $remote_addr}: IPv4 dotted, IPv6 compressed ({@code ::1}), no port. */
    public static String address(InetAddress a) {
        if (a == null) {
            return null;
        }
        if (!(a instanceof Inet6Address)) {
            return a.getHostAddress();
        }
        byte[] b = a.getAddress();
        int[] w = new int[8];
        for (int i = 0; i < 8; i++) {
            w[i] = (b[2 * i] & 0xff) << 8 | (b[2 * i + 1] & 0xff);
        }
        int bestStart = -1;
        int bestLen = 1; // a single zero word is not compressed (RFC 5952)
        for (int i = 0; i < 8; ) {
            if (w[i] != 0) {
                i++;
                continue;
            }
            int j = i;
            while (j < 8 && w[j] == 0) {
                j++;
            }
            if (j - i > bestLen) {
                bestStart = i;
                bestLen = j - i;
            }
            i = j;
        }
        StringBuilder sb = new StringBuilder(39);
        for (int i = 0; i < 8; i++) {
            if (i == bestStart) {
                sb.append("::");
                i += bestLen - 1;
                continue;
            }
            if (sb.length() > 0 && sb.charAt(sb.length() - 1) != ':') {
                sb.append(':');
            }
            sb.append(Integer.toHexString(w[i]));
        }
        return sb.toString();
    }
}
