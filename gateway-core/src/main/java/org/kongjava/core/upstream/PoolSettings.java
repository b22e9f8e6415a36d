package org.kongjava.core.upstream;

/**
 * Kong's upstream keepalive settings.
 *
 * @param size              {@code upstream_keepalive_pool_size}: idle connections kept per key and event loop; 0 = no reuse
 * @param maxRequests       {@code upstream_keepalive_max_requests}: requests per connection; 0 = unlimited
 * @param idleTimeoutMillis {@code upstream_keepalive_idle_timeout}: idle connections are closed after it; 0 = never
 */
public record PoolSettings(int size, int maxRequests, long idleTimeoutMillis) {
    public PoolSettings {
        if (size < 0) {
            throw new IllegalArgumentException("upstream_keepalive_pool_size: " + size + " (expected: >= 0)");
        }
        if (maxRequests < 0) {
            throw new IllegalArgumentException("upstream_keepalive_max_requests: " + maxRequests + " (expected: >= 0)");
        }
        if (idleTimeoutMillis < 0) {
            throw new IllegalArgumentException(
                    "upstream_keepalive_idle_timeout: " + idleTimeoutMillis + " ms (expected: >= 0)");
        }
    }

    /** Kong's defaults: 512 connections, 10000 requests, 60 s. */
    public static PoolSettings kongDefaults() {
        return new PoolSettings(512, 10_000, 60_000);
    }
}
