package org.kongjava.core.proxyprotocol;

import java.util.Objects;
import org.kongjava.config.net.CidrSet;

/**
 * How {@code proxy_protocol} listeners read the header. One instance for the node.
 *
 * @param headerTimeoutMillis how long after accept the whole header may take (an absolute deadline, not an
 *                            idle timeout, so a byte-a-second sender is cut off too)
 * @param maxV2Length         largest accepted v2 length field, i.e. addresses plus TLVs (a cloud balancer's
 *                            header is well under 300 bytes)
 * @param headerOptionalFrom  peers that may connect <em>without</em> a header (kong-java's opt-in leniency
 *                            for in-cluster health checks); {@link CidrSet#EMPTY} = the header is required from
 *                            everyone, as in Kong. Should be {@code trusted_ips} or a subset.
 * @param stats               counters shared by every listener
 */
public record ProxyProtocolSettings(long headerTimeoutMillis, int maxV2Length, CidrSet headerOptionalFrom,
                                    ProxyProtocolStats stats) {
    public static final long DEFAULT_HEADER_TIMEOUT_MILLIS = 5_000;
    public static final int DEFAULT_MAX_V2_LENGTH = 4096;

    public ProxyProtocolSettings {
        if (headerTimeoutMillis <= 0) {
            throw new IllegalArgumentException("headerTimeoutMillis: " + headerTimeoutMillis + " (expected: > 0)");
        }
        if (maxV2Length < 36 || maxV2Length > 65535) {
            throw new IllegalArgumentException("maxV2Length: " + maxV2Length
                    + " (expected: 36-65535; 36 is the TCP6 address block alone)");
        }
        Objects.requireNonNull(headerOptionalFrom, "headerOptionalFrom");
        Objects.requireNonNull(stats, "stats");
    }

    /** Strict defaults: header required from everyone, 5 s deadline, 4096-byte v2 limit. */
    public static ProxyProtocolSettings strict() {
        return new ProxyProtocolSettings(DEFAULT_HEADER_TIMEOUT_MILLIS, DEFAULT_MAX_V2_LENGTH, CidrSet.EMPTY,
                new ProxyProtocolStats());
    }

    public ProxyProtocolSettings withHeaderOptionalFrom(CidrSet peers) {
        return new ProxyProtocolSettings(headerTimeoutMillis, maxV2Length, peers, stats);
    }

    public ProxyProtocolSettings withHeaderTimeoutMillis(long millis) {
        return new ProxyProtocolSettings(millis, maxV2Length, headerOptionalFrom, stats);
    }
}
