package org.kongjava.config.model;

import java.util.List;
import java.util.Objects;
import java.util.UUID;

/**
 * Kong's Target entity: one {@code host:port} of an upstream with a weight (0 = not balanced to).
 * {@code target} is stored normalized ({@code host:port}, {@code [ipv6]:port}, port 8000 when omitted).
 * Timestamps are milliseconds; Kong shows them as seconds with a millisecond fraction.
 */
public record Target(
        UUID id,
        UUID upstreamId,
        String target,
        int weight,
        List<String> tags,
        long createdAtMillis,
        long updatedAtMillis) {

    public Target {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(upstreamId, "upstreamId");
        Objects.requireNonNull(target, "target");
        tags = tags == null ? null : List.copyOf(tags);
    }

    /** The host part of {@link #target()}: a name, an IPv4 address, or an IPv6 address without brackets. */
    public String host() {
        int colon = target.lastIndexOf(':');
        String h = target.substring(0, colon);
        return h.startsWith("[") ? h.substring(1, h.length() - 1) : h;
    }

    /** The port part of {@link #target()}. */
    public int port() {
        return Integer.parseInt(target.substring(target.lastIndexOf(':') + 1));
    }
}
