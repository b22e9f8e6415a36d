package org.kongjava.core.listener;

import io.netty.channel.Channel;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.util.Collections;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Mesh mode ({@code transparent_passthrough = on}): what to do with a captured connection that matches no
 * route, for HTTP and stream listeners alike. It goes on to its original destination unless that would
 * bring it back into the gateway:
 * <ul>
 *   <li>the original destination is one of the gateway's own listeners (a client connected to the
 *       listener directly, or the packet filter captured traffic addressed to the gateway itself);</li>
 *   <li>the connection is one the gateway itself opened for passthrough and the packet filter captured again
 *       (the gateway's user is not excluded from capture): its peer is the local address of one of our own
 *       passthrough connections, which {@link #track} records.</li>
 * </ul>
 * Thread-safe: shared by every event loop; the tracked set is a concurrent set touched only in mesh mode.
 */
public final class Passthrough {
    private static final Logger log = LoggerFactory.getLogger(Passthrough.class);

    /** The outcome for a connection that matched no route. */
    public enum Decision {
        /** Not a captured connection, or passthrough is off: answer as without it (404, or close a stream). */
        NO_ROUTE,
        /** Connect to {@link ConnectionInfo#originalDestination()} and relay. */
        FORWARD,
        /** Forwarding would loop back into the gateway: refuse (HTTP 508, stream close) and log. */
        LOOP
    }

    private static final Passthrough OFF = new Passthrough(false, Set::of, Set.of());

    private final boolean enabled;
    private final Supplier<? extends Iterable<BoundListener>> listeners;
    private final Set<InetAddress> localAddresses;
    private final Set<InetSocketAddress> ownOutbound = ConcurrentHashMap.newKeySet();

    Passthrough(boolean enabled, Supplier<? extends Iterable<BoundListener>> listeners, Set<InetAddress> localAddresses) {
        this.enabled = enabled;
        this.listeners = listeners;
        this.localAddresses = localAddresses;
    }

    /**
     * Mesh mode over the listeners of {@code manager} (read when deciding, so listeners bound later count).
     * Reads the host's interface addresses once, here (not on an event loop).
     */
    public static Passthrough create(boolean enabled, ListenerManager manager) {
        return enabled ? new Passthrough(true, manager::bound, interfaceAddresses()) : OFF;
    }

    /** Passthrough off: every unrouted connection is {@link Decision#NO_ROUTE}. */
    public static Passthrough off() {
        return OFF;
    }

    public boolean enabled() {
        return enabled;
    }

    /** What to do with a connection (or its request) that matched no route. */
    public Decision decide(ConnectionInfo info) {
        if (!enabled || info == null || info.originalDestination() == null) {
            return Decision.NO_ROUTE;
        }
        return isLoop(info) ? Decision.LOOP : Decision.FORWARD;
    }

    /**
     * Whether forwarding this connection to its original destination would come back into the gateway.
     * Also true for a connection that was not captured at all (its original destination is the listener).
     */
    public boolean isLoop(ConnectionInfo info) {
        InetSocketAddress dst = info.originalDestination();
        if (dst == null || isOwnListener(dst)) {
            return true;
        }
        return info.peer() != null && ownOutbound.contains(info.peer());
    }

    /** Whether {@code dst} reaches one of the gateway's listeners (exactly, or through a wildcard bind). */
    public boolean isOwnListener(InetSocketAddress dst) {
        for (BoundListener b : listeners.get()) {
            InetSocketAddress l = b.localAddress();
            if (l == null || l.getPort() != dst.getPort()) {
                continue;
            }
            InetAddress la = l.getAddress();
            if (la.equals(dst.getAddress())) {
                return true;
            }
            if (la.isAnyLocalAddress() && isLocal(dst.getAddress())) {
                return true;
            }
        }
        return false;
    }

    private boolean isLocal(InetAddress a) {
        return a.isLoopbackAddress() || a.isAnyLocalAddress() || localAddresses.contains(a);
    }

    /**
     * Records an established passthrough connection the gateway opened, until it closes, so that the packet
     * filter capturing it again is recognised as a loop. Call once connected (its local address is known).
     */
    public void track(Channel outbound) {
        if (!enabled) {
            return;
        }
        InetSocketAddress local = (InetSocketAddress) outbound.localAddress();
        if (local == null) {
            return;
        }
        ownOutbound.add(local);
        outbound.closeFuture().addListener(f -> ownOutbound.remove(local));
    }

    private static Set<InetAddress> interfaceAddresses() {
        Set<InetAddress> out = new HashSet<>();
        try {
            for (NetworkInterface nif : Collections.list(NetworkInterface.getNetworkInterfaces())) {
                out.addAll(Collections.list(nif.getInetAddresses()));
            }
        } catch (SocketException e) {
            log.warn("could not list local addresses for loop detection: {}", e.getMessage());
        }
        return Set.copyOf(out);
    }
}
