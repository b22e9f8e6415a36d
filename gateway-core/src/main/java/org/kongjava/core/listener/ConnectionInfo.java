package org.kongjava.core.listener;

import io.netty.util.AttributeKey;
import java.net.InetSocketAddress;
import org.kongjava.config.conf.ListenSpec;

/**
 * Immutable facts about one accepted connection, set once when the connection is set up.
 *
 * @param peer     the TCP peer (the load balancer when a PROXY header is used)
 * @param local    the local address the client connected to
 * @param listener the listener it arrived on
 */
public record ConnectionInfo(InetSocketAddress peer, InetSocketAddress local, ListenSpec listener) {
    public static final AttributeKey<ConnectionInfo> KEY = AttributeKey.valueOf("gw.connectionInfo");
}
