package org.kongjava.core.upstream;

import java.util.Objects;

/**
 * What makes two upstream connections interchangeable. Plain HTTP: the resolved {@code ip|port}, as
 * Kong keys its per-worker keepalive pool. TLS settings (SNI, verification, client certificate) will
 * join the key when upstream TLS arrives; they are additive fields.
 *
 * @param ip          the resolved address, textual form
 * @param port        the upstream port
 * @param proxyHeader null for an ordinary connection; for one that began with a PROXY protocol header
 *                    (kong-java's {@code upstream_proxy_protocol}), the header's identity, e.g. {@code v2 10.0.0.7}
 *                    (see {@code UpstreamProxyHeader.identity}): that connection speaks for one client address
 *                    only, so it may be reused only for requests of that client
 */
public record PoolKey(String ip, int port, String proxyHeader) {
    public PoolKey {
        Objects.requireNonNull(ip, "ip");
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException("port: " + port + " (expected: 1-65535)");
        }
    }

    /** An ordinary connection (no PROXY header). */
    public PoolKey(String ip, int port) {
        this(ip, port, null);
    }

    @Override
    public String toString() {
        return proxyHeader == null ? ip + "|" + port : ip + "|" + port + "|proxy " + proxyHeader;
    }
}
