package org.kongjava.core.upstream;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.EventLoop;
import io.netty.util.AttributeKey;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.ScheduledFuture;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Idle upstream connections of one event loop. Every method must be called on that loop: the pool,
 * its channels and the downstream connections using them all live there (STYLE #7), so it needs no locks.
 * <p>
 * A parked channel keeps one read pending, so an upstream that closes (or talks out of turn) while
 * the connection is idle is noticed at once and the channel leaves the pool; an idle timer closes it
 * after {@code upstream_keepalive_idle_timeout}.
 */
public final class UpstreamPool {
    private static final Logger log = LoggerFactory.getLogger(UpstreamPool.class);
    /** Handler name of the watcher of a parked channel; removed when the channel is acquired. */
    public static final String IDLE_WATCH = "gw.upstreamIdle";
    private static final AttributeKey<Integer> USES = AttributeKey.valueOf("gw.upstreamUses");

    private final EventLoop loop;
    private final PoolSettings settings;
    // Most recently parked first: reusing warm connections lets the cold ones time out (nginx's LRU cache).
    private final Map<PoolKey, ArrayDeque<Channel>> idle = new HashMap<>();
    private int idleCount;

    UpstreamPool(EventLoop loop, PoolSettings settings) {
        this.loop = loop;
        this.settings = settings;
    }

    public EventLoop loop() {
        return loop;
    }

    /** Number of idle connections parked in this pool, all keys together. */
    public int idleCount() {
        return idleCount;
    }

    /** An idle, open connection for {@code key}, now owned by the caller; null when there is none. */
    public Channel acquire(PoolKey key) {
        checkLoop();
        ArrayDeque<Channel> q = idle.get(key);
        while (q != null && !q.isEmpty()) {
            Channel ch = q.pollFirst();
            idleCount--;
            IdleWatch w = (IdleWatch) ch.pipeline().get(IDLE_WATCH);
            if (w != null) {
                w.parked = false;
                ch.pipeline().remove(w);
            }
            if (ch.isActive()) {
                return ch;
            }
            ch.close();
        }
        return null;
    }

    /**
     * Gives back a connection after one complete exchange. The caller has checked that the
     * exchange ended cleanly (whole request sent, whole response read, no {@code Connection: close},
     * no error); the pool closes it instead when reuse is off, its request budget is spent, or the pool is full.
     * The pipeline must hold only the protocol codec (no exchange handler).
     */
    public void release(PoolKey key, Channel ch) {
        checkLoop();
        Integer used = ch.attr(USES).get();
        int uses = used == null ? 1 : used + 1;
        ch.attr(USES).set(uses);
        if (settings.size() == 0 || !ch.isActive()
                || (settings.maxRequests() > 0 && uses >= settings.maxRequests())) {
            ch.close();
            return;
        }
        ArrayDeque<Channel> q = idle.computeIfAbsent(key, k -> new ArrayDeque<>());
        if (q.size() >= settings.size()) {
            Channel oldest = q.pollLast();
            idleCount--;
            discard(oldest);
        }
        IdleWatch w = new IdleWatch(key);
        ch.pipeline().addLast(IDLE_WATCH, w);
        q.addFirst(ch);
        idleCount++;
        if (settings.idleTimeoutMillis() > 0) {
            w.timer = loop.schedule(() -> {
                if (w.parked) {
                    log.debug("upstream {} idle for {} ms, closing", key, settings.idleTimeoutMillis());
                    remove(key, ch);
                    ch.close();
                }
            }, settings.idleTimeoutMillis(), TimeUnit.MILLISECONDS);
        }
        ch.read(); // notice a close by the upstream while parked
    }

    /** Closes every idle connection (shutdown, or a configuration change that retires targets). */
    public void closeAll() {
        checkLoop();
        List<Channel> all = new ArrayList<>();
        idle.values().forEach(all::addAll);
        idle.clear();
        idleCount = 0;
        all.forEach(this::discard);
    }

    private void discard(Channel ch) {
        IdleWatch w = (IdleWatch) ch.pipeline().get(IDLE_WATCH);
        if (w != null) {
            w.parked = false;
        }
        ch.close();
    }

    private void remove(PoolKey key, Channel ch) {
        ArrayDeque<Channel> q = idle.get(key);
        if (q != null && q.remove(ch)) {
            idleCount--;
            if (q.isEmpty()) {
                idle.remove(key);
            }
        }
    }

    private void checkLoop() {
        if (!loop.inEventLoop()) {
            throw new IllegalStateException("upstream pool of " + loop + " used from " + Thread.currentThread().getName());
        }
    }

    /** Watches a parked channel: anything but silence takes it out of the pool. */
    private final class IdleWatch extends ChannelInboundHandlerAdapter {
        private final PoolKey key;
        // Not volatile: only the pool's event loop touches it.
        boolean parked = true;
        ScheduledFuture<?> timer;

        IdleWatch(PoolKey key) {
            this.key = key;
        }

        @Override
        public void handlerRemoved(ChannelHandlerContext ctx) {
            if (timer != null) {
                timer.cancel(false);
            }
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ReferenceCountUtil.release(msg);
            log.debug("upstream {} sent data on an idle connection, closing it", key);
            drop(ctx);
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            if (parked) {
                log.debug("upstream {} closed an idle connection", key);
                drop(ctx);
            }
            ctx.fireChannelInactive();
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            log.debug("upstream {} idle connection failed: {}", key, cause.toString());
            drop(ctx);
        }

        private void drop(ChannelHandlerContext ctx) {
            if (parked) {
                parked = false;
                remove(key, ctx.channel());
            }
            ctx.close();
        }
    }
}
