package org.kongjava.core.proxyprotocol;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.kongjava.config.conf.ListenSpec;
import org.kongjava.config.net.CidrSet;
import org.kongjava.core.listener.ConnectionInfo;

/**
 * The node's client-address settings ({@code trusted_ips}, {@code real_ip_header}, {@code real_ip_recursive},
 * the {@code proxy_protocol} flags and kong-java's header leniency) in one value: the PROXY-protocol part of
 * nginx's realip step, a per-listener summary for the start-up log and the Admin API's {@code GET /}, and the
 * start-up warnings for combinations that cannot work.
 *
 * <p>As in Kong, realip applies to {@code proxy_listen} only; on {@code admin_listen} a PROXY header is
 * required when flagged but the client address stays the TCP peer.
 */
public final class ClientAddressPolicy {
    /** The {@code real_ip_header} value that takes the client address from the PROXY header. */
    public static final String PROXY_PROTOCOL = "proxy_protocol";
    private static final String PROXY_LISTEN = "proxy_listen";

    private final CidrSet trustedIps;
    private final String realIpHeader;
    private final boolean realIpRecursive;
    private final ProxyProtocolSettings proxyProtocol;

    /**
     * @param trustedIps      {@code trusted_ips}
     * @param realIpHeader    {@code real_ip_header} ({@code X-Real-IP} by default; {@code proxy_protocol})
     * @param realIpRecursive {@code real_ip_recursive}
     * @param proxyProtocol   how PROXY headers are read (deadline, leniency)
     */
    public ClientAddressPolicy(CidrSet trustedIps, String realIpHeader, boolean realIpRecursive,
                               ProxyProtocolSettings proxyProtocol) {
        this.trustedIps = Objects.requireNonNull(trustedIps, "trustedIps");
        this.realIpHeader = Objects.requireNonNull(realIpHeader, "realIpHeader").strip();
        if (this.realIpHeader.isEmpty()) {
            throw new IllegalArgumentException("realIpHeader: '' (expected: a header name or proxy_protocol)");
        }
        this.realIpRecursive = realIpRecursive;
        this.proxyProtocol = Objects.requireNonNull(proxyProtocol, "proxyProtocol");
    }

    /** True when {@code real_ip_header = proxy_protocol}. */
    public boolean usesProxyProtocol() {
        return PROXY_PROTOCOL.equalsIgnoreCase(realIpHeader);
    }

    /** Whether the TCP peer is in {@code trusted_ips} (Kong's "trusted request"). */
    public boolean isTrusted(InetSocketAddress peer) {
        return peer != null && trustedIps.contains(peer.getAddress());
    }

    /**
     * nginx realip with {@code real_ip_header proxy_protocol}: the PROXY header's source address when this is a
     * proxy listener, {@code real_ip_header = proxy_protocol}, the TCP peer is trusted and the header named a
     * source. Null otherwise, meaning "not decided by the PROXY header": the caller keeps the TCP peer (or, for
     * other {@code real_ip_header} values, runs its header-based realip).
     */
    public InetAddress proxyProtocolClient(ConnectionInfo info) {
        if (!usesProxyProtocol() || info == null || info.proxied() == null || !info.proxied().hasAddresses()) {
            return null;
        }
        if (info.listener() != null && !PROXY_LISTEN.equals(info.listener().key())) {
            return null;
        }
        return isTrusted(info.peer()) ? info.proxiedSource().getAddress() : null;
    }

    /** The settings that decide the client address on one listener, with stable snake_case keys (for {@code GET /}). */
    public Map<String, Object> describe(ListenSpec spec) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("listener", spec.key() + " " + spec.address());
        m.put("ssl", spec.ssl());
        if (spec.proxyProtocol()) {
            m.put("proxy_protocol", proxyProtocol.headerOptionalFrom().isEmpty() ? "required"
                    : "required, optional from " + proxyProtocol.headerOptionalFrom());
            m.put("proxy_protocol_timeout_ms", proxyProtocol.headerTimeoutMillis());
        } else {
            m.put("proxy_protocol", "off");
        }
        boolean realip = PROXY_LISTEN.equals(spec.key());
        m.put("trusted_ips", trustedIps.entries());
        m.put("real_ip_header", realip ? realIpHeader : null);
        m.put("real_ip_recursive", realip ? realIpRecursive : null);
        m.put("client_address", clientAddressRule(spec));
        return m;
    }

    /** {@link #describe} for each listener, in order. */
    public List<Map<String, Object>> describeAll(List<ListenSpec> listeners) {
        List<Map<String, Object>> out = new ArrayList<>();
        for (ListenSpec s : listeners) {
            out.add(describe(s));
        }
        return out;
    }

    /** One line for the start-up log, e.g. {@code proxy_listen 0.0.0.0:8000 proxy_protocol=required: client = ...}. */
    public String summaryLine(ListenSpec spec) {
        Map<String, Object> d = describe(spec);
        return d.get("listener") + " proxy_protocol=" + d.get("proxy_protocol") + ": client address = "
                + d.get("client_address");
    }

    private String clientAddressRule(ListenSpec spec) {
        if (!PROXY_LISTEN.equals(spec.key())) {
            return "the TCP peer (Kong applies trusted_ips/real_ip_header to proxy_listen only)";
        }
        if (trustedIps.isEmpty()) {
            return "the TCP peer (trusted_ips is empty: forwarded addresses are never believed)";
        }
        if (usesProxyProtocol()) {
            return spec.proxyProtocol()
                    ? "the PROXY header's source when the TCP peer is in trusted_ips, else the TCP peer"
                    : "the TCP peer (real_ip_header = proxy_protocol but this listener has no proxy_protocol flag)";
        }
        return "the " + (realIpRecursive ? "first untrusted address from the right of " : "last address of ")
                + realIpHeader + " when the TCP peer is in trusted_ips, else the TCP peer";
    }

    /**
     * Combinations that cannot do what the operator most likely wants; each message names the keys to change.
     *
     * @param listeners every {@code proxy_listen} and {@code admin_listen} entry that will be bound
     */
    public List<String> warnings(List<ListenSpec> listeners) {
        List<String> w = new ArrayList<>();
        boolean anyPp = false;
        boolean proxyPp = false;
        for (ListenSpec s : listeners) {
            anyPp |= s.proxyProtocol();
            proxyPp |= s.proxyProtocol() && PROXY_LISTEN.equals(s.key());
        }
        if (usesProxyProtocol() && !proxyPp) {
            w.add("real_ip_header = proxy_protocol, but no proxy_listen entry has the proxy_protocol flag: "
                    + "the client address will always be the TCP peer (add proxy_protocol to the proxy_listen "
                    + "entry behind the load balancer)");
        }
        if (usesProxyProtocol() && trustedIps.isEmpty()) {
            w.add("real_ip_header = proxy_protocol, but trusted_ips is empty: the PROXY source is only used from "
                    + "trusted peers (set trusted_ips to the load balancer's address ranges)");
        }
        if (proxyPp && !usesProxyProtocol()) {
            w.add("a proxy_listen entry has proxy_protocol, but real_ip_header = " + realIpHeader
                    + ": the PROXY source does not become the client address (set real_ip_header = proxy_protocol)");
        }
        if (proxyPp && usesProxyProtocol() && !trustedIps.isEmpty() && realIpRecursive) {
            w.add("real_ip_recursive = on has no effect with real_ip_header = proxy_protocol (one address)");
        }
        if (!proxyProtocol.headerOptionalFrom().isEmpty() && !anyPp) {
            w.add("PROXY headers are optional for " + proxyProtocol.headerOptionalFrom()
                    + ", but no listener has the proxy_protocol flag: the setting has no effect");
        }
        if (!usesProxyProtocol() && trustsEveryone()) {
            w.add("trusted_ips = " + trustedIps + " trusts every peer: any client can choose its own address with "
                    + realIpHeader + " and pass X-Forwarded-* headers on (list only your load balancers)");
        }
        return w;
    }

    private boolean trustsEveryone() {
        for (String e : trustedIps.entries()) {
            if (e.endsWith("/0")) {
                return true;
            }
        }
        return false;
    }

    public CidrSet trustedIps() {
        return trustedIps;
    }

    public String realIpHeader() {
        return realIpHeader;
    }

    public boolean realIpRecursive() {
        return realIpRecursive;
    }

    public ProxyProtocolSettings proxyProtocol() {
        return proxyProtocol;
    }
}
