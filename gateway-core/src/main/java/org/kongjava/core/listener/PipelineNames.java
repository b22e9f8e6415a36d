package org.kongjava.core.listener;

/**
 * Every handler name, in pipeline order. One place to see what a connection goes through:
 * proxyProtocol, tls, idle/timeouts, httpCodec, the listener's own handlers.
 */
public final class PipelineNames {
    public static final String PROXY_PROTOCOL = "gw.proxyProtocol";
    public static final String TLS = "gw.tls";
    /** Chooses the HTTP version by ALPN once the TLS handshake is done, then removes itself. */
    public static final String ALPN = "gw.alpn";
    public static final String HEADER_TIMEOUT = "gw.headerTimeout";
    public static final String HTTP_CODEC = "gw.httpCodec";
    public static final String HTTP_GUARD = "gw.httpGuard";
    public static final String HTTP_KEEPALIVE = "gw.httpKeepAlive";
    public static final String HTTP_PROXY = "gw.httpProxy";
    /** Plain {@code http2} proxy addresses: tells an h2c connection preface from HTTP/1.1, then removes itself. */
    public static final String H2C_PREFACE = "gw.h2cPreface";
    /** HTTP/2 proxy connections: counts the connection and closes it after keepalive_timeout without streams. */
    public static final String HTTP2_CONNECTION = "gw.http2Connection";
    /** HTTP/2 proxy streams: HTTP/2-specific request and response head adjustments. */
    public static final String HTTP2_STREAM = "gw.http2Stream";
    public static final String ADMIN_AGGREGATOR = "gw.adminAggregator";
    public static final String ADMIN = "gw.admin";
    /** Writes a PROXY header first on an upstream connection (upstream_proxy_protocol), then removes itself. */
    public static final String UPSTREAM_PROXY_PROTOCOL = "gw.upstreamProxyProtocol";
    public static final String UPSTREAM_CODEC = "gw.upstreamCodec";
    /** The client-side TLS handler of an upstream connection ({@code https}, {@code grpcs}, {@code tls} services); first. */
    public static final String UPSTREAM_TLS = "gw.upstreamTls";
    public static final String UPSTREAM_HANDLER = "gw.upstream";

    private PipelineNames() {
    }
}
