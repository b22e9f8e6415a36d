package org.kongjava.core.upstream;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import java.net.InetSocketAddress;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.kongjava.core.transport.EventLoops;

/**
 * One {@link UpstreamPool} per worker event loop, and the connector that opens new upstream
 * connections on the caller's loop (STYLE #7: a downstream connection and its upstreams share a loop).
 */
public final class UpstreamPools {
    private final EventLoops loops;
    private final PoolSettings settings;
    // Written once per loop; the pool itself is then only touched by its own loop.
    private final Map<EventLoop, UpstreamPool> pools = new ConcurrentHashMap<>();

    public UpstreamPools(EventLoops loops, PoolSettings settings) {
        this.loops = loops;
        this.settings = settings;
    }

    public PoolSettings settings() {
        return settings;
    }

    /** The pool of {@code loop}; use it only from that loop. */
    public UpstreamPool forLoop(EventLoop loop) {
        return pools.computeIfAbsent(loop, l -> new UpstreamPool(l, settings));
    }

    /**
     * Opens a connection on {@code loop} with {@code AUTO_READ} off: the exchange reads when it is ready
     * for more (STYLE #8).
     *
     * @param initializer installs the protocol codec; runs when the channel is registered
     */
    public ChannelFuture connect(EventLoop loop, InetSocketAddress target, int connectTimeoutMillis,
                                 ChannelHandler initializer) {
        return new Bootstrap()
                .group(loop)
                .channel(loops.socketChannelType())
                .option(ChannelOption.AUTO_READ, false)
                .option(ChannelOption.TCP_NODELAY, true)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, Math.max(1, connectTimeoutMillis))
                .handler(initializer)
                .connect(target);
    }

    /** Closes every idle connection of every loop (shutdown); asynchronous. */
    public void closeIdle() {
        for (UpstreamPool p : pools.values()) {
            p.loop().execute(p::closeAll);
        }
    }
}
