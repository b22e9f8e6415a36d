package org.kongjava.core.transport;

import io.netty.channel.ChannelFactory;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.ServerChannel;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.SocketProtocolFamily;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.netty.util.concurrent.EventExecutor;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.nio.channels.spi.SelectorProvider;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The gateway's event loops: one small acceptor group and N workers. Native epoll on Linux, NIO
 * elsewhere (or when {@code -Dkongjava.transport=nio}). Every listener kind shares them.
 */
public final class EventLoops implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(EventLoops.class);

    private final boolean epoll;
    private final EventLoopGroup acceptors;
    private final EventLoopGroup workers;
    private final int workerCount;

    public EventLoops(int workerCount) {
        if (workerCount < 1) {
            throw new IllegalArgumentException("workerCount: " + workerCount + " (expected: >= 1)");
        }
        this.workerCount = workerCount;
        boolean wantNio = "nio".equalsIgnoreCase(System.getProperty("kongjava.transport"));
        this.epoll = !wantNio && Epoll.isAvailable();
        if (!epoll && !wantNio) {
            log.info("native epoll transport unavailable ({}); using NIO", String.valueOf(Epoll.unavailabilityCause()));
        }
        IoHandlerFactory io = epoll ? EpollIoHandler.newFactory() : NioIoHandler.newFactory();
        this.acceptors = new MultiThreadIoEventLoopGroup(1, new DefaultThreadFactory("gw-accept", true), io);
        this.workers = new MultiThreadIoEventLoopGroup(workerCount, new DefaultThreadFactory("gw-worker", true), io);
    }

    /** Workers from kong.conf's {@code nginx_worker_processes}: {@code auto} means one per core. */
    public static int workerCountFrom(String workerProcesses) {
        if (workerProcesses == null || workerProcesses.isBlank() || "auto".equals(workerProcesses.trim())) {
            return Runtime.getRuntime().availableProcessors();
        }
        return Integer.parseInt(workerProcesses.trim());
    }

    public boolean isEpoll() {
        return epoll;
    }

    public String transportName() {
        return epoll ? "epoll" : "nio";
    }

    public int workerCount() {
        return workerCount;
    }

    public EventLoopGroup acceptors() {
        return acceptors;
    }

    public EventLoopGroup workers() {
        return workers;
    }

    public Class<? extends ServerChannel> serverChannelType() {
        return epoll ? EpollServerSocketChannel.class : NioServerSocketChannel.class;
    }

    /**
     * Server channels of the address's own family, so {@code 0.0.0.0} listens on IPv4 only (as nginx
     * does) instead of on a dual-stack {@code [::]} socket.
     */
    public ChannelFactory<ServerChannel> serverChannelFactory(InetAddress bindAddress) {
        SocketProtocolFamily family = bindAddress instanceof Inet6Address ? SocketProtocolFamily.INET6 : SocketProtocolFamily.INET;
        if (epoll) {
            return () -> new EpollServerSocketChannel(family);
        }
        return () -> new NioServerSocketChannel(SelectorProvider.provider(), family);
    }

    public Class<? extends SocketChannel> socketChannelType() {
        return epoll ? EpollSocketChannel.class : NioSocketChannel.class;
    }

    /**
     * Throws when called from one of the gateway's event loops: blocking calls (disk, DNS, database)
     * must never run there.
     */
    public void checkNotOnEventLoop() {
        for (EventExecutor e : workers) {
            if (e.inEventLoop()) {
                throw new IllegalStateException("blocking call on event loop " + Thread.currentThread().getName());
            }
        }
    }

    @Override
    public void close() {
        acceptors.shutdownGracefully(0, 2, TimeUnit.SECONDS);
        workers.shutdownGracefully(0, 2, TimeUnit.SECONDS);
        acceptors.terminationFuture().awaitUninterruptibly(5, TimeUnit.SECONDS);
        workers.terminationFuture().awaitUninterruptibly(5, TimeUnit.SECONDS);
    }
}
