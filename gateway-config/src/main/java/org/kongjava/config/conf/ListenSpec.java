package org.kongjava.config.conf;

import java.util.Objects;

/**
 * One address of a {@code *_listen} key with its flags, e.g. {@code 0.0.0.0:8443 http2 ssl reuseport backlog=16384}.
 *
 * @param key        the kong.conf key it came from ({@code proxy_listen}, {@code admin_listen}, ...)
 * @param host       address as written, without IPv6 brackets ({@code 0.0.0.0}, {@code ::}, {@code localhost})
 * @param port       0..65535; 0 binds an ephemeral port (tests)
 * @param backlog    listen queue length, or -1 for the default
 * @param ipv6only   null when not given
 * @param soKeepalive null when not given; otherwise {@code on}, {@code off} or {@code idle:intvl:cnt}
 */
public record ListenSpec(
        String key,
        String host,
        int port,
        boolean ssl,
        boolean http2,
        boolean proxyProtocol,
        boolean transparent,
        boolean deferred,
        boolean bind,
        boolean reuseport,
        int backlog,
        Boolean ipv6only,
        String soKeepalive,
        boolean udp) {

    public ListenSpec {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(host, "host");
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("port: " + port + " (expected: 0-65535)");
        }
    }

    /** A plain listener with no flags. */
    public static ListenSpec plain(String key, String host, int port) {
        return new ListenSpec(key, host, port, false, false, false, false, false, false, false, -1, null, null, false);
    }

    /** {@code host:port} with IPv6 in brackets, as an operator writes it. */
    public String address() {
        return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + port;
    }

    public ListenSpec withPort(int newPort) {
        return new ListenSpec(key, host, newPort, ssl, http2, proxyProtocol, transparent, deferred, bind, reuseport,
                backlog, ipv6only, soKeepalive, udp);
    }
}
