package org.kongjava.proxy.http;

import java.net.Inet6Address;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.kongjava.config.model.Protocol;
import org.kongjava.config.model.Route;
import org.kongjava.config.model.Service;
import org.kongjava.core.router.RouteMatch;

/**
 * Transparent listeners: the Host a captured request without one is given, and the stand-in route and
 * service of a request forwarded to its original destination in mesh mode ({@code transparent_passthrough}).
 * The stand-in keeps the request as the client sent it: the path and query unchanged, the Host preserved.
 */
final class PassthroughTarget {
    /** Fixed ids so a debug header or a log line names the stand-in the same way every time. */
    static final UUID ROUTE_ID = UUID.nameUUIDFromBytes("kong-java transparent passthrough route".getBytes());
    static final UUID SERVICE_ID = UUID.nameUUIDFromBytes("kong-java transparent passthrough service".getBytes());
    static final String NAME = "transparent-passthrough";
    /** Kong's default service timeouts. */
    private static final int TIMEOUT_MS = 60_000;

    private static final Route ROUTE = new Route(ROUTE_ID, NAME, List.of(Protocol.HTTP, Protocol.HTTPS), null, null,
            null, null, null, null, null, 426, 0, false, "v0", true, true, true, SERVICE_ID, null, 0, 0);

    private PassthroughTarget() {
    }

    /** The match of a request forwarded to {@code dst} as it came: upstream path = the raw path sent. */
    static RouteMatch match(InetSocketAddress dst, String rawPath) {
        // No retries: the original destination is one address, and a request is not replayed at it.
        Service service = new Service(SERVICE_ID, NAME, Protocol.HTTP, dst.getAddress().getHostAddress(),
                dst.getPort(), null, 0, TIMEOUT_MS, TIMEOUT_MS, TIMEOUT_MS, true, null, null, null, null, null, 0, 0);
        return new RouteMatch(ROUTE, service, rawPath, null, rawPath, Map.of());
    }

    /**
     * The Host a client would have sent for the address it connected to: the address (IPv6 in brackets) and
     * the port unless it is the scheme's default.
     */
    static String hostFor(InetSocketAddress dst, boolean https) {
        String literal = dst.getAddress().getHostAddress();
        if (dst.getAddress() instanceof Inet6Address) {
            int pct = literal.indexOf('%');
            literal = "[" + (pct < 0 ? literal : literal.substring(0, pct)) + "]";
        }
        int port = dst.getPort();
        return (https ? port == 443 : port == 80) ? literal : literal + ":" + port;
    }

    static boolean isPassthrough(RouteMatch m) {
        return m != null && m.route().id().equals(ROUTE_ID);
    }
}
