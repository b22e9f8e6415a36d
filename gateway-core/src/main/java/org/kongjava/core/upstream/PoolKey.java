package org.kongjava.core.upstream;

import java.util.Objects;

/**
 * What makes two upstream connections interchangeable. Plain HTTP: the resolved {@code ip|port}, as
 * Kong keys its per-worker keepalive pool. TLS connections add their TLS identity (SNI, verification, trust set,
 * depth, client certificate; see {@link UpstreamTlsPolicy#poolIdentity}), as Kong's
 * {@code ip|port|sni|tls_verify|tls_verify_depth|ca_certificate_ids|client_cert_id}.
 *
 * @param ip          the resolved address, textual form
 * @param port        the upstream port
 * @param proxyHeader null for an ordinary connection; for one that began with a PROXY protocol header
 *                    (kong-java's {@code upstream_proxy_protocol}), the header's identity, e.g. {@code v2 10.0.0.7}
 *                    (see {@code UpstreamProxyHeader.identity}): that connection speaks for one client address
 *                    only, so it may be reused only for requests of that client
 * @param tls         the TLS identity, or null for plain connections
 */
public record PoolKey(String ip, int port, String proxyHeader, String tls) {
    public PoolKey {
        Objects.requireNonNull(ip, "ip");
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException("port: " + port + " (expected: 1-65535)");
        }
    }

    /** An ordinary connection (no PROXY header, no TLS). */
    public PoolKey(String ip, int port) {
        this(ip, port, null, null);
    }

    /** A plain connection, with a PROXY header identity or null. */
    public PoolKey(String ip, int port, String proxyHeader) {
        this(ip, port, proxyHeader, null);
    }

    /** This key for TLS connections of identity {@code tlsIdentity}. */
    public PoolKey withTls(String tlsIdentity) {
        return new PoolKey(ip, port, proxyHeader, tlsIdentity);
    }

    @Override
    public String toString() {
        String s = ip + "|" + port;
        if (tls != null) {
            s += "|" + tls;
        }
        return proxyHeader == null ? s : s + "|proxy " + proxyHeader;
    }
}
