package org.kongjava.core.proxyprotocol;

import java.net.InetSocketAddress;
import java.util.Objects;

/**
 * A decoded PROXY protocol header (version 1 or 2): what the load balancer in front of the gateway says
 * about the connection it relays. Immutable; holds no buffers.
 *
 * <p>Addresses are present only for a v1 {@code TCP4}/{@code TCP6} line or a v2 {@code PROXY} command over
 * TCP/IPv4 or TCP/IPv6. A v1 {@code UNKNOWN} line, a v2 {@code LOCAL} command (the balancer's own health
 * check) and v2 {@code AF_UNSPEC}/{@code AF_UNIX} carry none: the socket addresses stay the only truth.
 *
 * <p>Whether {@link #source()} becomes the client address is not decided here: that needs a trusted TCP
 * peer and {@code real_ip_header = proxy_protocol} (see {@link ClientAddressPolicy#clientAddress}).
 *
 * @param version     1 (text) or 2 (binary)
 * @param command     {@link Command#PROXY} or {@link Command#LOCAL} (v1 {@code UNKNOWN} is reported as LOCAL)
 * @param source      the client as the balancer saw it, or null
 * @param destination the address the client connected to on the balancer, or null
 * @param tlvs        v2 type-length-values; {@link ProxyTlvs#NONE} for v1 and LOCAL
 */
public record ProxyHeader(int version, Command command, InetSocketAddress source, InetSocketAddress destination,
                          ProxyTlvs tlvs) {

    /** The PROXY protocol command. */
    public enum Command {
        /** The connection is relayed on behalf of {@link #source()}. */
        PROXY,
        /** The balancer's own connection (health check), or v1 {@code UNKNOWN}: no client address. */
        LOCAL
    }

    public ProxyHeader {
        if (version != 1 && version != 2) {
            throw new IllegalArgumentException("version: " + version + " (expected: 1 or 2)");
        }
        Objects.requireNonNull(command, "command");
        Objects.requireNonNull(tlvs, "tlvs");
        if ((source == null) != (destination == null)) {
            throw new IllegalArgumentException("source and destination: both or neither (got " + source + ", "
                    + destination + ")");
        }
    }

    /** A header that names no addresses (v1 UNKNOWN, v2 LOCAL, v2 UNSPEC/UNIX). */
    static ProxyHeader withoutAddresses(int version, Command command, ProxyTlvs tlvs) {
        return new ProxyHeader(version, command, null, null, tlvs);
    }

    /** True when the header carries a source and a destination address. */
    public boolean hasAddresses() {
        return source != null;
    }

    /** For logs: {@code v2 PROXY 10.0.0.7:51234 -> 10.0.1.5:443} or {@code v2 LOCAL}. */
    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder("v").append(version).append(' ').append(command);
        if (source != null) {
            sb.append(' ').append(hostPort(source)).append(" -> ").append(hostPort(destination));
        }
        if (!tlvs.all().isEmpty()) {
            sb.append(' ').append(tlvs);
        }
        return sb.toString();
    }

    static String hostPort(InetSocketAddress a) {
        String host = a.getAddress() != null ? a.getAddress().getHostAddress() : a.getHostString();
        return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + a.getPort();
    }
}
