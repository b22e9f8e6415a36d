package org.kongjava.stream;

import java.net.InetSocketAddress;
import java.util.List;
import java.util.UUID;
import org.kongjava.config.model.Protocol;
import org.kongjava.config.model.Route;
import org.kongjava.config.model.Service;

/**
 * Mesh mode ({@code transparent_passthrough}) on transparent stream listeners: the stand-in route and service of a
 * captured connection that matches no stream route and goes on, byte for byte, to its original destination.
 */
final class OriginalDestinationTarget {
    /** Fixed ids so the access log names the stand-in the same way every time. */
    static final UUID ROUTE_ID = UUID.nameUUIDFromBytes("kong-java transparent stream passthrough route".getBytes());
    static final UUID SERVICE_ID = UUID.nameUUIDFromBytes("kong-java transparent stream passthrough service".getBytes());
    static final String NAME = "transparent-passthrough";
    /** Kong's default service timeouts. */
    private static final int TIMEOUT_MS = 60_000;

    static final Route ROUTE = new Route(ROUTE_ID, NAME, List.of(Protocol.TCP), null, null, null, null, null, null,
            null, 426, 0, false, "v0", false, true, true, SERVICE_ID, null, 0, 0);

    private OriginalDestinationTarget() {
    }

    /** A plain TCP service to {@code dst}, without retries: the original destination is one address. */
    static Service service(InetSocketAddress dst) {
        return new Service(SERVICE_ID, NAME, Protocol.TCP, dst.getAddress().getHostAddress(), dst.getPort(), null, 0,
                TIMEOUT_MS, TIMEOUT_MS, TIMEOUT_MS, true, null, null, null, null, null, 0, 0);
    }

    static boolean is(Route r) {
        return r != null && r.id().equals(ROUTE_ID);
    }
}
