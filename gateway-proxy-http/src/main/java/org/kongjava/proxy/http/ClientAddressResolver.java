package org.kongjava.proxy.http;

import io.netty.handler.codec.http.HttpHeaders;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.Objects;

/**
 * Finds the client address the way nginx's realip module does for Kong ({@code set_real_ip_from} =
 * {@code trusted_ips}, {@code real_ip_header}, {@code real_ip_recursive}).
 *
 * <ul>
 *   <li>An untrusted peer is the client; forwarding headers are ignored.</li>
 *   <li>A trusted peer: the header's last address (addresses are separated by spaces or commas;
 *       {@code addr}, {@code ipv4:port} and {@code [ipv6]:port} are accepted). An invalid value leaves the peer.</li>
 *   <li>Recursive: scanning right to left while the current address is trusted, the first untrusted
 *       address, or the leftmost one when all are trusted; an invalid entry stops the scan at the last
 *       good address. For {@code X-Forwarded-For} every header line is scanned, the last line first; other
 *       headers use their first line only (nginx).</li>
 *   <li>{@code real_ip_header = proxy_protocol}: a trusted peer's PROXY header source (nginx's
 *       {@code $proxy_protocol_addr}), or the peer when the connection had no header or one without addresses
 *       (LOCAL, UNKNOWN).</li>
 * </ul>
 * Only IP literals are parsed; nothing is resolved.
 */
public final class ClientAddressResolver {
    private static final int OK = 0;
    private static final int DONE = 1;
    private static final int DECLINED = 2;

    private ClientAddressResolver() {
    }

    /**
     * Resolves the client address of a request.
     *
     * @param peer    the TCP peer (original {@code $remote_addr})
     * @param headers the request headers
     * @param s       trust settings
     * @return the client address text (nginx's printing, e.g. {@code ::1}) and whether the peer is trusted
     */
    public static ClientAddress resolve(InetSocketAddress peer, HttpHeaders headers, HeaderSettings s) {
        return resolve(peer, null, headers, s);
    }

    /**
     * Resolves the client address of a request on a connection that may have sent a PROXY header.
     *
     * @param peer          the TCP peer (original {@code $remote_addr})
     * @param proxiedSource the source address of the connection's PROXY header, or null (none, or no address)
     * @param headers       the request headers
     * @param s             trust settings
     * @return the client address text and whether the peer is trusted
     */
    public static ClientAddress resolve(InetSocketAddress peer, InetSocketAddress proxiedSource, HttpHeaders headers,
                                        HeaderSettings s) {
        Objects.requireNonNull(peer, "peer");
        byte[] peerBytes = peerBytes(peer);
        if (peerBytes == null) {
            // An unresolved, non-literal peer cannot be matched against trusted_ips.
            return new ClientAddress(peer.getHostString(), false);
        }
        String peerText = IpLiterals.format(peerBytes);
        boolean trusted = s.trustedIps().test(IpLiterals.toInet(peerBytes));
        if (!trusted) {
            return new ClientAddress(peerText, false);
        }
        if ("proxy_protocol".equalsIgnoreCase(s.realIpHeader())) {
            byte[] src = proxiedSource == null ? null : peerBytes(proxiedSource);
            return new ClientAddress(src == null ? peerText : IpLiterals.format(src), true);
        }
        Scan scan = new Scan(peerBytes, s);
        int rc;
        if ("x-forwarded-for".equalsIgnoreCase(s.realIpHeader())) {
            rc = scan.allLines(headers.getAll(s.realIpHeader()));
        } else {
            String value = headers.get(s.realIpHeader());
            rc = value == null ? DECLINED : scan.line(value);
        }
        return new ClientAddress(rc == DECLINED ? peerText : IpLiterals.format(scan.addr), true);
    }

    /** Whether the TCP peer is in {@code trusted_ips} (Kong's "trusted request" test). */
    public static boolean isTrusted(InetSocketAddress peer, HeaderSettings s) {
        byte[] b = peerBytes(peer);
        return b != null && s.trustedIps().test(IpLiterals.toInet(b));
    }

    private static byte[] peerBytes(InetSocketAddress peer) {
        InetAddress a = peer.getAddress();
        if (a != null) {
            return a.getAddress();
        }
        return IpLiterals.parseAddr(peer.getHostString());
    }

    /** One realip evaluation: {@code addr} starts as the peer and moves left through the header. */
    private static final class Scan {
        byte[] addr;
        private final HeaderSettings s;

        Scan(byte[] peer, HeaderSettings s) {
            this.addr = peer;
            this.s = s;
        }

        // ngx_http_get_forwarded_addr over the X-Forwarded-For lines, last line first.
        int allLines(List<String> lines) {
            int rc = DECLINED;
            boolean found = false;
            for (int i = lines.size() - 1; i >= 0; i--) {
                rc = line(lines.get(i));
                if (!s.realIpRecursive()) {
                    break;
                }
                if (rc == DECLINED && found) {
                    rc = DONE;
                    break;
                }
                if (rc != OK) {
                    break;
                }
                found = true;
            }
            return rc;
        }

        // ngx_http_get_forwarded_addr_internal, with its recursion unrolled.
        int line(String v) {
            int len = v.length();
            boolean first = true;
            while (true) {
                if (!s.trustedIps().test(IpLiterals.toInet(addr))) {
                    return first ? DECLINED : DONE;
                }
                if (len == 0) {
                    return first ? DECLINED : DONE;
                }
                int end = len;
                while (end > 1 && isSeparator(v.charAt(end - 1))) {
                    end--;
                }
                int p = end - 1;
                while (p > 0) {
                    if (isSeparator(v.charAt(p))) {
                        p++;
                        break;
                    }
                    p--;
                }
                byte[] parsed = IpLiterals.parseAddrPort(v, p, end);
                if (parsed == null) {
                    return first ? DECLINED : DONE;
                }
                addr = parsed;
                first = false;
                if (!s.realIpRecursive() || p == 0) {
                    return OK;
                }
                len = p - 1;
            }
        }

        private static boolean isSeparator(char c) {
            return c == ' ' || c == ',';
        }
    }
}
