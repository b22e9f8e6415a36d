package org.kongjava.stream;

import io.netty.channel.Channel;
import java.net.InetSocketAddress;
import org.kongjava.config.conf.ListenSpec;
import org.kongjava.config.model.Route;
import org.kongjava.config.model.Service;
import org.kongjava.core.snapshot.RoutingSnapshot;

/**
 * What a {@link StreamPrereadHook} sees of one connection.
 *
 * @param channel     the client connection (read-only use: do not read from or write to it)
 * @param listener    the {@code stream_listen} entry it arrived on
 * @param client      the client address (PROXY source when the peer is trusted, else the TCP peer)
 * @param destination the address the client connected to
 * @param sni         the ClientHello's server name, lower-cased, or null
 * @param route       the matched route
 * @param service     the route's service
 * @param snapshot    the configuration the connection was routed with (plugins included)
 */
public record PrereadContext(Channel channel, ListenSpec listener, InetSocketAddress client,
                            InetSocketAddress destination, String sni, Route route, Service service,
                            RoutingSnapshot snapshot) {
}
