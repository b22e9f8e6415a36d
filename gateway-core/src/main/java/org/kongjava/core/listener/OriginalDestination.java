package org.kongjava.core.listener;

import io.netty.channel.Channel;
import io.netty.channel.ChannelException;
import io.netty.channel.epoll.EpollChannelOption;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.unix.IntegerUnixChannelOption;
import io.netty.channel.unix.RawUnixChannelOption;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.kongjava.config.conf.ListenSpec;

/**
 * The destination a client meant, on a {@code transparent} listener whose traffic the packet filter captured.
 * <ul>
 *   <li>iptables REDIRECT/DNAT rewrote the destination; conntrack still knows the original one, which the
 *       kernel returns for {@code getsockopt(SOL_IP, SO_ORIGINAL_DST)} ({@code SOL_IPV6, IP6T_SO_ORIGINAL_DST}
 *       on IPv6) as a {@code sockaddr_in}/{@code sockaddr_in6}.</li>
 *   <li>TPROXY did not rewrite it: the accepted socket's local address is the original destination. The
 *       conntrack lookup then answers the same address (or ENOENT without conntrack), so the local address is
 *       the fallback.</li>
 * </ul>
 * One {@code getsockopt} per accepted connection, made only on transparent listeners (native epoll only).
 */
public final class OriginalDestination {
    /** {@code SO_ORIGINAL_DST} (linux/netfilter_ipv4.h) and {@code IP6T_SO_ORIGINAL_DST} (both 80). */
    static final int SO_ORIGINAL_DST = 80;
    static final int SOL_IP = 0;
    static final int SOL_IPV6 = 41;
    private static final int AF_INET = 2;
    private static final int AF_INET6 = 10;
    private static final RawUnixChannelOption ORIGINAL_DST_V4 =
            new RawUnixChannelOption("SO_ORIGINAL_DST", SOL_IP, SO_ORIGINAL_DST, 16);
    private static final RawUnixChannelOption ORIGINAL_DST_V6 =
            new RawUnixChannelOption("IP6T_SO_ORIGINAL_DST", SOL_IPV6, SO_ORIGINAL_DST, 28);
    /** {@code IPV6_TRANSPARENT} (linux/in6.h): IP_TRANSPARENT's IPv6 twin, for {@code [::]} listeners. */
    private static final IntegerUnixChannelOption IPV6_TRANSPARENT =
            new IntegerUnixChannelOption("IPV6_TRANSPARENT", SOL_IPV6, 75);

    private OriginalDestination() {
    }

    /**
     * The original destination of an accepted connection: {@code SO_ORIGINAL_DST} when conntrack has it,
     * else the socket's local address. Call on the channel's event loop (one non-blocking syscall).
     *
     * @return null only when the channel has no local address (closed already)
     */
    public static InetSocketAddress of(Channel ch) {
        InetSocketAddress local = (InetSocketAddress) ch.localAddress();
        if (local == null) {
            return null;
        }
        if (ch instanceof EpollSocketChannel) {
            boolean v6 = local.getAddress() instanceof Inet6Address && !isV4Mapped(local.getAddress());
            try {
                ByteBuffer raw = ch.config().getOption(v6 ? ORIGINAL_DST_V6 : ORIGINAL_DST_V4);
                InetSocketAddress dst = parseSockaddr(raw);
                if (dst != null) {
                    return dst;
                }
            } catch (ChannelException notTracked) {
                // ENOENT: no conntrack entry (TPROXY without conntrack, or nothing captured it)
            }
        }
        return local;
    }

    /**
     * Decodes a {@code sockaddr_in} or {@code sockaddr_in6}: the family in host byte order, then port and
     * address in network order. Null for another family or a short buffer.
     */
    static InetSocketAddress parseSockaddr(ByteBuffer raw) {
        if (raw == null || raw.remaining() < 8) {
            return null;
        }
        int start = raw.position();
        int b0 = raw.get(start) & 0xff;
        int b1 = raw.get(start + 1) & 0xff;
        // sa_family_t is in host byte order (little-endian on x86-64 and aarch64)
        int family = ByteOrder.nativeOrder() == ByteOrder.LITTLE_ENDIAN ? b0 | b1 << 8 : b0 << 8 | b1;
        int port = ((raw.get(start + 2) & 0xff) << 8) | (raw.get(start + 3) & 0xff);
        byte[] addr;
        if (family == AF_INET) {
            addr = new byte[4];
            raw.duplicate().position(start + 4).get(addr);
        } else if (family == AF_INET6 && raw.remaining() >= 24) {
            addr = new byte[16];
            raw.duplicate().position(start + 8).get(addr); // after family, port and sin6_flowinfo
        } else {
            return null;
        }
        try {
            return new InetSocketAddress(InetAddress.getByAddress(addr), port);
        } catch (UnknownHostException impossible) {
            return null; // only for a wrong length, excluded above
        }
    }

    private static boolean isV4Mapped(InetAddress a) {
        byte[] b = a.getAddress();
        if (b.length != 16) {
            return false;
        }
        for (int i = 0; i < 10; i++) {
            if (b[i] != 0) {
                return false;
            }
        }
        return b[10] == (byte) 0xff && b[11] == (byte) 0xff;
    }

    /**
     * Sets IP_TRANSPARENT (and IPV6_TRANSPARENT on an IPv6 socket) on a listening socket before it is bound,
     * so TPROXY can hand it connections for addresses that are not local. Done here rather than as a
     * bootstrap option because Netty only logs a failed bootstrap option; a refused one must stop start-up.
     *
     * @throws TransparentNotPermittedException when the kernel refuses (no CAP_NET_ADMIN)
     */
    static void makeTransparent(EpollServerSocketChannel ch, ListenSpec spec, boolean ipv6) {
        try {
            ch.config().setOption(EpollChannelOption.IP_TRANSPARENT, true);
            if (ipv6) {
                ch.config().setOption(IPV6_TRANSPARENT, 1);
            }
        } catch (ChannelException e) {
            throw new TransparentNotPermittedException(spec, e);
        }
    }

    /** The text shown when the kernel refuses IP_TRANSPARENT: what is missing and how to grant it. */
    static String permissionHelp() {
        return "the 'transparent' flag needs root or the CAP_NET_ADMIN capability (the kernel also accepts CAP_NET_RAW): "
                + "run kong-java as root, or grant "
                + "the capability to the java binary (setcap cap_net_admin+ep \"$(readlink -f \"$(command -v java)\")\"), "
                + "or under systemd set AmbientCapabilities=CAP_NET_ADMIN (and CapabilityBoundingSet=CAP_NET_ADMIN) "
                + "in the service unit";
    }

    /** The kernel refused IP_TRANSPARENT: start-up stops with {@link #permissionHelp()}. */
    public static final class TransparentNotPermittedException extends IllegalStateException {
        TransparentNotPermittedException(ListenSpec spec, Throwable cause) {
            super(spec.key() + " " + spec.address() + ": setting IP_TRANSPARENT failed ("
                    + (cause.getCause() != null ? cause.getCause().getMessage() : cause.getMessage()) + "); "
                    + permissionHelp(), cause);
        }
    }
}
