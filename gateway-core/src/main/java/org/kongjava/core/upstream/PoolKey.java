package org.kongjava.core.upstream;

import java.util.Objects;

/**
 * What makes two upstream connections interchangeable. Plain HTTP: the resolved {@code ip|port}, as
 * Kong keys its per-worker keepalive pool. TLS settings (SNI, verification, client certificate) will
 * join the key when upstream TLS arrives; they are additive fields.
 *
 * @param ip   the resolved address, textual form
 * @param port the upstream port
 */
public record PoolKey(String ip, int port) {
    public PoolKey {
        Objects.requireNonNull(ip, "ip");
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException("port: " + port + " (expected: 1-65535)");
        }
    }

    @Override
    public String toString() {
        return ip + "|" + port;
    }
}
