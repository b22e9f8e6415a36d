package org.kongjava.core.proxyprotocol;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.atomic.LongAdder;

/**
 * Node-wide PROXY protocol counters. Expected noise (a balancer's health check that connects and closes
 * without a byte) is counted here and logged at debug only; LongAdders because every event loop bumps them.
 */
public final class ProxyProtocolStats {
    /** Headers decoded, by version. */
    public final LongAdder v1 = new LongAdder();
    public final LongAdder v2 = new LongAdder();
    /** Of those, headers without a client address (v1 UNKNOWN, v2 LOCAL/UNSPEC/UNIX). */
    public final LongAdder withoutAddress = new LongAdder();
    /** Connections closed for a malformed, oversized or missing header. */
    public final LongAdder rejected = new LongAdder();
    /** Connections closed because the header did not arrive in time. */
    public final LongAdder timedOut = new LongAdder();
    /** Connections closed by the peer before sending a byte (typically balancer health checks). */
    public final LongAdder closedEmpty = new LongAdder();
    /** Connections from trusted peers accepted without a header (opt-in leniency). */
    public final LongAdder withoutHeaderTrusted = new LongAdder();

    /** A snapshot for {@code /status}-style output, with stable snake_case names. */
    public Map<String, Long> snapshot() {
        Map<String, Long> m = new LinkedHashMap<>();
        m.put("v1", v1.sum());
        m.put("v2", v2.sum());
        m.put("without_address", withoutAddress.sum());
        m.put("rejected", rejected.sum());
        m.put("timed_out", timedOut.sum());
        m.put("closed_empty", closedEmpty.sum());
        m.put("without_header_trusted", withoutHeaderTrusted.sum());
        return m;
    }
}
