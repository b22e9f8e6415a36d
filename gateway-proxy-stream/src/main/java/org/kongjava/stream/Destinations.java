package org.kongjava.stream;

import io.netty.channel.Channel;
import java.net.InetSocketAddress;
import org.kongjava.core.listener.ConnectionInfo;

/**
 * The one place a stream connection's destination ({@code net.dst.ip}/{@code net.dst.port} of stream routes) is
 * read: on a {@code transparent} listener the original destination (REDIRECT's {@code SO_ORIGINAL_DST}, or the
 * TPROXY socket's local address), else the socket's local address, which is what Kong (nginx
 * {@code $server_addr}/{@code $server_port}) uses on a stream listener, PROXY protocol or not.
 */
final class Destinations {
    private Destinations() {
    }

    /** The destination the client connected to. */
    static InetSocketAddress of(Channel ch) {
        ConnectionInfo info = ch.attr(ConnectionInfo.KEY).get();
        if (info != null && info.originalDestination() != null) {
            return info.originalDestination();
        }
        return (InetSocketAddress) ch.localAddress();
    }
}
