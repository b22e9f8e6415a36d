package org.kongjava.stream;

import java.util.Map;
import java.util.Objects;
import org.kongjava.config.net.CidrSet;
import org.kongjava.core.proxyprotocol.ProxyProtocolSettings;
import org.kongjava.tls.ClientHelloPeeker;

/**
 * Node-wide settings of the stream proxy.
 *
 * @param sniWaitMillis           kong.conf {@code stream_sni_wait_timeout}: how long a connection on a plain
 *                                {@code stream_listen} port that has SNI routes waits for a ClientHello before it is
 *                                routed without SNI (server-speaks-first protocols get their greeting that much later)
 * @param handshakeTimeoutMillis  how long an {@code ssl} stream connection has for its ClientHello and the TLS
 *                                handshake
 * @param maxClientHelloBytes     the most bytes buffered while looking for a ClientHello
 * @param trustedIps              kong.conf {@code trusted_ips}: peers whose PROXY header source becomes the client
 *                                address (nginx stream realip)
 * @param proxyProtocol           how PROXY headers are read on {@code proxy_protocol} stream listeners
 * @param upstreamProxyProtocol   kong.conf {@code upstream_proxy_protocol}: services (by name) whose upstream
 *                                connections start with a PROXY header (version 1 or 2) carrying the client
 */
public record StreamSettings(long sniWaitMillis, long handshakeTimeoutMillis, int maxClientHelloBytes,
                             CidrSet trustedIps, ProxyProtocolSettings proxyProtocol,
                             Map<String, Integer> upstreamProxyProtocol) {
    /** Default of {@code stream_sni_wait_timeout}. */
    public static final long DEFAULT_SNI_WAIT_MILLIS = 100;

    public StreamSettings {
        if (sniWaitMillis <= 0) {
            throw new IllegalArgumentException("stream_sni_wait_timeout: " + sniWaitMillis + " ms (expected: > 0)");
        }
        if (handshakeTimeoutMillis <= 0) {
            throw new IllegalArgumentException("handshakeTimeoutMillis: " + handshakeTimeoutMillis + " (expected: > 0)");
        }
        if (maxClientHelloBytes < 512) {
            throw new IllegalArgumentException("maxClientHelloBytes: " + maxClientHelloBytes + " (expected: >= 512)");
        }
        Objects.requireNonNull(trustedIps, "trustedIps");
        Objects.requireNonNull(proxyProtocol, "proxyProtocol");
        upstreamProxyProtocol = Map.copyOf(upstreamProxyProtocol);
    }

    /** Defaults: 100 ms SNI wait, 10 s handshake, 16 KiB ClientHello bound, nobody trusted, strict PROXY reading. */
    public static StreamSettings defaults() {
        return new StreamSettings(DEFAULT_SNI_WAIT_MILLIS, 10_000, ClientHelloPeeker.DEFAULT_MAX_BYTES, CidrSet.EMPTY,
                ProxyProtocolSettings.strict(), Map.of());
    }

    public StreamSettings withSniWaitMillis(long millis) {
        return new StreamSettings(millis, handshakeTimeoutMillis, maxClientHelloBytes, trustedIps, proxyProtocol,
                upstreamProxyProtocol);
    }

    public StreamSettings withTrustedIps(CidrSet trusted) {
        return new StreamSettings(sniWaitMillis, handshakeTimeoutMillis, maxClientHelloBytes, trusted, proxyProtocol,
                upstreamProxyProtocol);
    }

    /** {@code upstream_proxy_protocol}: service name → PROXY header version (1 or 2) sent first to its upstream. */
    public StreamSettings withUpstreamProxyProtocol(Map<String, Integer> byService) {
        return new StreamSettings(sniWaitMillis, handshakeTimeoutMillis, maxClientHelloBytes, trustedIps, proxyProtocol,
                byService);
    }
}
