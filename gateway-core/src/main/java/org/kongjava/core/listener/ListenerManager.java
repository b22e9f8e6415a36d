package org.kongjava.core.listener;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFactory;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.ServerChannel;
import io.netty.channel.epoll.EpollChannelOption;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.unix.IntegerUnixChannelOption;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.kongjava.config.conf.ListenSpec;
import org.kongjava.core.transport.EventLoops;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Binds every listener of every kind the same way: backlog, reuseport, ipv6only, so_keepalive and
 * deferred accept come from the {@link ListenSpec}; the pipeline comes from the kind's {@link PipelineFactory}.
 */
public final class ListenerManager implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(ListenerManager.class);
    private static final int DEFAULT_BACKLOG = 511; // nginx's default on Linux
    // Netty has no named option for it: IPPROTO_IPV6 (41), IPV6_V6ONLY (26) on Linux.
    private static final IntegerUnixChannelOption IPV6_V6ONLY = new IntegerUnixChannelOption("IPV6_V6ONLY", 41, 26);

    private final EventLoops loops;
    private final List<BoundListener> bound = new CopyOnWriteArrayList<>();

    public ListenerManager(EventLoops loops) {
        this.loops = loops;
    }

    /**
     * Binds one listener. With {@code reuseport} on epoll, one socket per worker is bound so the
     * kernel spreads connections across workers, as nginx does.
     *
     * @throws BindFailedException naming the address when it cannot be bound
     */
    public BoundListener bind(ListenSpec spec, PipelineFactory factory) {
        int sockets = spec.reuseport() && loops.isEpoll() ? loops.workerCount() : 1;
        BoundListener first = null;
        int port = spec.port();
        for (int i = 0; i < sockets; i++) {
            ListenSpec actual = spec.withPort(port);
            Channel ch = bindOne(actual, factory);
            BoundListener b = new BoundListener(spec, ch);
            bound.add(b);
            if (first == null) {
                first = b;
                port = b.localAddress().getPort(); // later sockets of a reuseport group share the real port
            }
        }
        log.info("listening on {} ({}{}) [{}]", first.localAddress(), spec.key(), flagsOf(spec), loops.transportName());
        return first;
    }

    private Channel bindOne(ListenSpec spec, PipelineFactory factory) {
        InetSocketAddress address = new InetSocketAddress(spec.host(), spec.port()); // resolved at start-up, not on a loop
        if (address.isUnresolved()) {
            throw new BindFailedException(spec, new IllegalArgumentException("cannot resolve host '" + spec.host() + "'"));
        }
        if (spec.transparent() && !loops.isEpoll()) {
            throw new BindFailedException(spec, new IllegalArgumentException("the 'transparent' flag needs the native "
                    + "epoll transport (Linux); this process runs on " + loops.transportName()
                    + " (remove -Dkongjava.transport=nio, or remove 'transparent' from " + spec.key() + ")"));
        }
        ChannelFactory<ServerChannel> channels = loops.serverChannelFactory(address.getAddress());
        if (spec.transparent()) {
            ChannelFactory<ServerChannel> plain = channels;
            boolean v6 = address.getAddress() instanceof java.net.Inet6Address;
            channels = () -> {
                ServerChannel ch = plain.newChannel();
                OriginalDestination.makeTransparent((EpollServerSocketChannel) ch, spec, v6);
                return ch;
            };
        }
        ServerBootstrap b = new ServerBootstrap()
                .group(loops.acceptors(), loops.workers())
                .channelFactory(channels)
                .option(ChannelOption.SO_BACKLOG, spec.backlog() > 0 ? spec.backlog() : DEFAULT_BACKLOG)
                .option(ChannelOption.SO_REUSEADDR, true)
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childOption(ChannelOption.AUTO_READ, true)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        // Transparent listeners only: one getsockopt for the address the client meant.
                        InetSocketAddress original = spec.transparent() ? OriginalDestination.of(ch) : null;
                        ch.attr(ConnectionInfo.KEY).set(
                                new ConnectionInfo(ch.remoteAddress(), ch.localAddress(), spec, null, original));
                        factory.initChannel(ch, spec);
                    }
                });
        if (loops.isEpoll()) {
            if (spec.reuseport()) {
                b.option(EpollChannelOption.SO_REUSEPORT, true);
            }
            if (spec.deferred()) {
                b.option(EpollChannelOption.TCP_DEFER_ACCEPT, 1);
            }
            if (address.getAddress() instanceof java.net.Inet6Address) {
                // nginx's default is ipv6only=on, so [::]:8000 and 0.0.0.0:8000 can both be listed.
                b.option(IPV6_V6ONLY, spec.ipv6only() == null || spec.ipv6only() ? 1 : 0);
            }
        }
        applyKeepalive(b, spec.soKeepalive());
        ChannelFuture f = b.bind(address).awaitUninterruptibly();
        if (!f.isSuccess()) {
            if (f.cause() instanceof OriginalDestination.TransparentNotPermittedException denied) {
                throw denied; // its message says what is missing and how to grant it
            }
            throw new BindFailedException(spec, f.cause());
        }
        return f.channel();
    }

    private void applyKeepalive(ServerBootstrap b, String soKeepalive) {
        if (soKeepalive == null) {
            return;
        }
        if ("off".equals(soKeepalive)) {
            b.childOption(ChannelOption.SO_KEEPALIVE, false);
            return;
        }
        b.childOption(ChannelOption.SO_KEEPALIVE, true);
        if ("on".equals(soKeepalive) || !loops.isEpoll()) {
            return;
        }
        String[] parts = soKeepalive.split(":", -1); // idle:intvl:cnt, each part may be empty
        if (parts.length == 3) {
            if (!parts[0].isEmpty()) {
                b.childOption(EpollChannelOption.TCP_KEEPIDLE, seconds(parts[0]));
            }
            if (!parts[1].isEmpty()) {
                b.childOption(EpollChannelOption.TCP_KEEPINTVL, seconds(parts[1]));
            }
            if (!parts[2].isEmpty()) {
                b.childOption(EpollChannelOption.TCP_KEEPCNT, Integer.parseInt(parts[2]));
            }
        }
    }

    /** nginx time syntax for keepalive parts: plain seconds, or a number with s/m/h. */
    private static int seconds(String v) {
        char unit = v.charAt(v.length() - 1);
        if (Character.isDigit(unit)) {
            return Integer.parseInt(v);
        }
        int n = Integer.parseInt(v.substring(0, v.length() - 1));
        return switch (unit) {
            case 'm' -> n * 60;
            case 'h' -> n * 3600;
            default -> n;
        };
    }

    private static String flagsOf(ListenSpec s) {
        StringBuilder sb = new StringBuilder();
        if (s.ssl()) sb.append(" ssl");
        if (s.http2()) sb.append(" http2");
        if (s.proxyProtocol()) sb.append(" proxy_protocol");
        if (s.transparent()) sb.append(" transparent");
        if (s.reuseport()) sb.append(" reuseport");
        if (s.backlog() > 0) sb.append(" backlog=").append(s.backlog());
        return sb.toString();
    }

    public List<BoundListener> bound() {
        return Collections.unmodifiableList(new ArrayList<>(bound));
    }

    /** Stops accepting new connections on every listener; established connections stay open. */
    public void stopAccepting() {
        for (BoundListener b : bound) {
            b.channel().close().awaitUninterruptibly(2, TimeUnit.SECONDS);
        }
    }

    @Override
    public void close() {
        stopAccepting();
        bound.clear();
    }

    /** A listener address could not be bound (in use, not local, no permission). */
    public static final class BindFailedException extends RuntimeException {
        public BindFailedException(ListenSpec spec, Throwable cause) {
            super("could not bind " + spec.key() + " address " + spec.address() + ": "
                    + (cause == null ? "unknown error" : cause.getMessage()), cause);
        }
    }
}
