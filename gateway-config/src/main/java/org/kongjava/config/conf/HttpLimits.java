package org.kongjava.config.conf;

/**
 * Client-side HTTP limits of one server block, taken from the nginx directive injections Kong users set
 * ({@code nginx_http_*}, overridden per server by {@code nginx_proxy_*} or {@code nginx_admin_*}), with Kong's
 * and then nginx's defaults when unset.
 *
 * @param clientMaxBodySize         request body limit in bytes; 0 = unlimited (exceeding it is a 413)
 * @param clientHeaderTimeoutMillis time allowed to receive the request line and headers (408 after it)
 * @param clientBodyTimeoutMillis   longest gap between two reads of the request body (408 after it)
 * @param keepaliveTimeoutMillis    idle time of a keep-alive client connection; 0 disables keep-alive
 * @param keepaliveRequests         requests served on one client connection before it is closed
 * @param largeHeaderBufferCount    how many large header buffers a request may use
 * @param largeHeaderBufferSize     longest request line / header line in bytes (414 / 400 beyond it)
 */
public record HttpLimits(long clientMaxBodySize, long clientHeaderTimeoutMillis, long clientBodyTimeoutMillis,
                         long keepaliveTimeoutMillis, int keepaliveRequests, int largeHeaderBufferCount,
                         int largeHeaderBufferSize) {

    /** nginx's own defaults (what applies when a directive is absent). */
    static final long NGINX_CLIENT_MAX_BODY_SIZE = 1024 * 1024;
    static final long NGINX_CLIENT_HEADER_TIMEOUT_MS = 60_000;
    static final long NGINX_CLIENT_BODY_TIMEOUT_MS = 60_000;
    static final long NGINX_KEEPALIVE_TIMEOUT_MS = 75_000;
    static final int NGINX_KEEPALIVE_REQUESTS = 1000;
    static final int NGINX_LARGE_HEADER_BUFFER_COUNT = 4;
    static final int NGINX_LARGE_HEADER_BUFFER_SIZE = 8 * 1024;
}
