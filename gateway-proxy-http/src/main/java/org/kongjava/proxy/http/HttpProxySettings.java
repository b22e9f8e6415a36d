package org.kongjava.proxy.http;

import java.util.Objects;
import org.kongjava.core.upstream.PoolSettings;

/**
 * Settings of the HTTP/1.1 proxy listener, from kong.conf (nginx directives in brackets).
 *
 * @param headers                           what headers Kong adds and how errors look
 * @param clientMaxBodySize                 [client_max_body_size] bytes; 0 = unlimited (Kong's default)
 * @param clientHeaderTimeoutMillis         [client_header_timeout] to receive a request head
 * @param clientBodyTimeoutMillis           [client_body_timeout] between two reads of the request body
 * @param keepaliveTimeoutMillis            [keepalive_timeout] idle client connection between requests
 * @param keepaliveRequests                 [keepalive_requests] requests per client connection
 * @param maxInitialLineLength              longest request line (large_client_header_buffers: 8k); longer → 414
 * @param maxHeaderSize                     longest header line (8k); longer → 494 (sent as 400)
 * @param upstreamKeepalivePoolSize         [upstream_keepalive_pool_size] 0 = no reuse
 * @param upstreamKeepaliveMaxRequests      [upstream_keepalive_max_requests] 0 = unlimited
 * @param upstreamKeepaliveIdleTimeoutMillis [upstream_keepalive_idle_timeout] 0 = none
 */
public record HttpProxySettings(HeaderSettings headers, long clientMaxBodySize, long clientHeaderTimeoutMillis,
                                long clientBodyTimeoutMillis, long keepaliveTimeoutMillis, int keepaliveRequests,
                                int maxInitialLineLength, int maxHeaderSize, int upstreamKeepalivePoolSize,
                                int upstreamKeepaliveMaxRequests, long upstreamKeepaliveIdleTimeoutMillis) {

    /** nginx keeps at most 4 large header buffers: the request head as a whole is bounded by 4 × the line limit. */
    static final int HEADER_BUFFERS = 4;

    public HttpProxySettings {
        Objects.requireNonNull(headers, "headers");
        nonNegative("nginx_http_client_max_body_size", clientMaxBodySize);
        positive("nginx_http_client_header_timeout", clientHeaderTimeoutMillis);
        positive("nginx_http_client_body_timeout", clientBodyTimeoutMillis);
        nonNegative("nginx_http_keepalive_timeout", keepaliveTimeoutMillis);
        nonNegative("nginx_http_keepalive_requests", keepaliveRequests);
        positive("maxInitialLineLength", maxInitialLineLength);
        positive("maxHeaderSize", maxHeaderSize);
        // PoolSettings validates the three upstream_keepalive_* values.
        new PoolSettings(upstreamKeepalivePoolSize, upstreamKeepaliveMaxRequests, upstreamKeepaliveIdleTimeoutMillis);
    }

    /** nginx's and Kong's defaults: 60 s timeouts, 10000 keepalive requests, 8k lines, pool 512/10000/60 s. */
    public static HttpProxySettings defaults() {
        return new HttpProxySettings(HeaderSettings.kongDefaults(), 0, 60_000, 60_000, 60_000, 10_000,
                8192, 8192, 512, 10_000, 60_000);
    }

    public PoolSettings poolSettings() {
        return new PoolSettings(upstreamKeepalivePoolSize, upstreamKeepaliveMaxRequests,
                upstreamKeepaliveIdleTimeoutMillis);
    }

    /** Copy with other headers settings (tests, kong.conf wiring). */
    public HttpProxySettings withHeaders(HeaderSettings h) {
        return new HttpProxySettings(h, clientMaxBodySize, clientHeaderTimeoutMillis, clientBodyTimeoutMillis,
                keepaliveTimeoutMillis, keepaliveRequests, maxInitialLineLength, maxHeaderSize,
                upstreamKeepalivePoolSize, upstreamKeepaliveMaxRequests, upstreamKeepaliveIdleTimeoutMillis);
    }

    private static void nonNegative(String key, long v) {
        if (v < 0) {
            throw new IllegalArgumentException(key + ": " + v + " (expected: >= 0)");
        }
    }

    private static void positive(String key, long v) {
        if (v <= 0) {
            throw new IllegalArgumentException(key + ": " + v + " (expected: > 0)");
        }
    }
}
