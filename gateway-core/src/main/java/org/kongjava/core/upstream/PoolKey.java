package org.kongjava.core.upstream;

import java.util.Objects;

/**
 * What makes two upstream connections interchangeable. Plain HTTP: the resolved {@code ip|port}, as
 * Kong keys its per-worker keepalive pool. TLS connections add their TLS identity (SNI, verification, trust set,
 * depth, client certificate; see {@link UpstreamTlsPolicy#poolIdentity}), as Kong's
 * {@code ip|port|sni|tls_verify|tls_verify_depth|ca_certificate_ids|client_cert_id}.
 *
 * @param ip   the resolved address, textual form
 * @param port the upstream port
 * @param tls  the TLS identity, or null for plain connections
 */
public record PoolKey(String ip, int port, String tls) {
    public PoolKey {
        Objects.requireNonNull(ip, "ip");
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException("port: " + port + " (expected: 1-65535)");
        }
    }

    /** A plain (non-TLS) connection's key. */
    public PoolKey(String ip, int port) {
        this(ip, port, null);
    }

    /** This key for TLS connections of identity {@code tlsIdentity}. */
    public PoolKey withTls(String tlsIdentity) {
        return new PoolKey(ip, port, tlsIdentity);
    }

    @Override
    public String toString() {
        return tls == null ? ip + "|" + port : ip + "|" + port + "|" + tls;
    }
}
