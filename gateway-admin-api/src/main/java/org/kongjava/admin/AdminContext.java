package org.kongjava.admin;

import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.function.Supplier;
import org.kongjava.core.metrics.ServerCounters;
import org.kongjava.core.proxyprotocol.ProxyProtocolStats;
import org.kongjava.core.snapshot.ConfigWriter;
import org.kongjava.core.snapshot.SnapshotHolder;

/**
 * What the Admin API needs from the running node.
 *
 * @param writer                  the single config writer; every change goes through it
 * @param holder                  the live snapshot; reads use {@code holder.current().entities()}
 * @param counters                node-wide connection and request counters for {@code GET /status}
 * @param nodeId                  this node's id ({@code node_id} in {@code GET /})
 * @param hostname                the host name reported by {@code GET /}
 * @param configurationForDisplay the configuration shown by {@code GET /}, sensitive values already masked
 * @param kongVersion             the Kong version emulated, e.g. {@code 3.10.0} ({@code Server: kong/<v>})
 * @param kongJavaVersion         kong-java's own version
 * @param maxBodyBytes            request body limit ({@code nginx_admin_client_max_body_size}); 0 or less = unlimited
 * @param headers                 enabled response-header tokens from kong.conf {@code headers}: {@code server_tokens}
 *                                or {@code Server} sends {@code Server}, {@code latency_tokens} or
 *                                {@code X-Kong-Admin-Latency} sends the latency header
 * @param clientAddress           the effective client-address settings of each bound listener, shown by {@code GET /}
 *                                as {@code client_address} (a kong-java addition); read on each request, since
 *                                listeners are bound after this context is made
 * @param proxyProtocolStats      the node's PROXY protocol counters, shown by {@code GET /status} as
 *                                {@code proxy_protocol} (a kong-java addition); null = not shown
 */
public record AdminContext(ConfigWriter writer, SnapshotHolder holder, ServerCounters counters, String nodeId, String hostname,
                           Map<String, Object> configurationForDisplay, String kongVersion, String kongJavaVersion,
                           long maxBodyBytes, Set<String> headers, Supplier<List<Map<String, Object>>> clientAddress,
                           ProxyProtocolStats proxyProtocolStats) {

    /** Kong's default {@code headers = server_tokens, latency_tokens}. */
    public static final Set<String> DEFAULT_HEADERS = Set.of("server_tokens", "latency_tokens");

    public AdminContext {
        Objects.requireNonNull(writer, "writer");
        Objects.requireNonNull(holder, "holder");
        Objects.requireNonNull(counters, "counters");
        Objects.requireNonNull(nodeId, "nodeId");
        Objects.requireNonNull(kongVersion, "kongVersion");
        configurationForDisplay = configurationForDisplay == null ? Map.of() : configurationForDisplay;
        headers = headers == null ? DEFAULT_HEADERS : Set.copyOf(headers);
        clientAddress = clientAddress == null ? List::of : clientAddress;
    }

    /** A context without per-listener client-address settings ({@code GET /} then has no {@code client_address}). */
    public AdminContext(ConfigWriter writer, SnapshotHolder holder, ServerCounters counters, String nodeId,
                        String hostname, Map<String, Object> configurationForDisplay, String kongVersion,
                        String kongJavaVersion, long maxBodyBytes, Set<String> headers) {
        this(writer, holder, counters, nodeId, hostname, configurationForDisplay, kongVersion, kongJavaVersion,
                maxBodyBytes, headers, null, null);
    }

    boolean sendServerHeader() {
        return headers.contains("server_tokens") || headers.contains("Server");
    }

    boolean sendLatencyHeader() {
        return headers.contains("latency_tokens") || headers.contains("X-Kong-Admin-Latency");
    }
}
