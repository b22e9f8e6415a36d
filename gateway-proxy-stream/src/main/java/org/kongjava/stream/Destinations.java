package org.kongjava.stream;

import io.netty.channel.Channel;
import java.net.InetSocketAddress;

/**
 * The one place a stream connection's destination ({@code net.dst.ip}/{@code net.dst.port} of stream routes) is
 * read. Today: the socket's local address, which is what Kong (nginx {@code $server_addr}/{@code $server_port}) uses
 * on a stream listener, PROXY protocol or not, and also the original destination of a connection accepted on an
 * {@code IP_TRANSPARENT} (TPROXY) socket.
 * <p>
 * INTEGRATION POINT: when {@code transparent} listeners land (core {@code OriginalDestination}, REDIRECT's
 * {@code SO_ORIGINAL_DST}), swap the body of {@link #of} for that lookup; nothing else in this module reads the
 * destination.
 */
final class Destinations {
    private Destinations() {
    }

    /** The destination the client connected to. */
    static InetSocketAddress of(Channel ch) {
        return (InetSocketAddress) ch.localAddress();
    }
}
