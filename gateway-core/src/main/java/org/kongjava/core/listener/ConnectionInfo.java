package org.kongjava.core.listener;

import io.netty.util.AttributeKey;
import java.net.InetSocketAddress;
import org.kongjava.config.conf.ListenSpec;
import org.kongjava.core.proxyprotocol.ProxyHeader;

/**
 * Immutable facts about one accepted connection. {@link ListenerManager} sets it at accept time; on a
 * {@code proxy_protocol} listener the PROXY handler replaces it once the header has arrived (with
 * {@link #withProxied}), so read it after the first request bytes, not in {@code initChannel}.
 *
 * @param peer     the TCP peer (the load balancer when a PROXY header is used)
 * @param local    the local address the client connected to
 * @param listener the listener it arrived on
 * @param proxied  the PROXY protocol header received on this connection, or null (no {@code proxy_protocol}
 *                 flag, or a trusted peer that was allowed to omit it). Its source is <em>claimed</em> by the
 *                 peer: it is the client address only when the peer is trusted (realip rules).
 * @param originalDestination on a {@code transparent} listener, the address the client connected to before the
 *                 packet filter captured the connection ({@link OriginalDestination}); null on other listeners
 */
public record ConnectionInfo(InetSocketAddress peer, InetSocketAddress local, ListenSpec listener, ProxyHeader proxied,
                             InetSocketAddress originalDestination) {
    public static final AttributeKey<ConnectionInfo> KEY = AttributeKey.valueOf("gw.connectionInfo");

    /** A connection on a listener that is not {@code transparent}. */
    public ConnectionInfo(InetSocketAddress peer, InetSocketAddress local, ListenSpec listener, ProxyHeader proxied) {
        this(peer, local, listener, proxied, null);
    }

    /** A connection without a PROXY header. */
    public ConnectionInfo(InetSocketAddress peer, InetSocketAddress local, ListenSpec listener) {
        this(peer, local, listener, null);
    }

    /** The same connection with the PROXY header it sent. */
    public ConnectionInfo withProxied(ProxyHeader header) {
        return new ConnectionInfo(peer, local, listener, header, originalDestination);
    }

    /** The source address from the PROXY header, or null when there was none or it named no address. */
    public InetSocketAddress proxiedSource() {
        return proxied == null ? null : proxied.source();
    }

    /**
     * The destination to route a stream connection by: the PROXY header's destination, else the original
     * destination, else the local address.
     */
    public InetSocketAddress destination() {
        if (proxied != null && proxied.destination() != null) {
            return proxied.destination();
        }
        return originalDestination != null ? originalDestination : local;
    }
}
