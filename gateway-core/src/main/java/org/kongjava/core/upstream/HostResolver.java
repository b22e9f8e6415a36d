package org.kongjava.core.upstream;

import io.netty.util.NetUtil;
import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.Promise;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Resolves service host names without blocking an event loop: IP literals directly, names with the
 * JDK resolver (hosts file, then DNS; the JDK caches answers) on a small bounded pool of
 * {@code gw-dns} threads. The result completes on the caller's loop. A full queue fails the lookup
 * rather than waiting. (A TTL-aware cache on Netty's async resolver is the planned replacement.)
 */
public final class HostResolver implements AutoCloseable {
    private final ThreadPoolExecutor blocking;

    public HostResolver(int threads, int queueSize) {
        AtomicInteger n = new AtomicInteger();
        this.blocking = new ThreadPoolExecutor(threads, threads, 30, TimeUnit.SECONDS,
                new ArrayBlockingQueue<>(queueSize), r -> {
                    Thread t = new Thread(r, "gw-dns-" + n.incrementAndGet());
                    t.setDaemon(true);
                    return t;
                });
        blocking.allowCoreThreadTimeOut(true);
    }

    /** The address literal in {@code host} (IPv4, IPv6 with or without brackets), or null for a name. */
    public static InetAddress literal(String host) {
        String h = host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
        byte[] bytes = NetUtil.createByteArrayFromIpAddressString(h);
        if (bytes == null) {
            return null;
        }
        try {
            return InetAddress.getByAddress(bytes);
        } catch (UnknownHostException e) {
            return null; // unreachable: the length was checked by the parser
        }
    }

    /** Resolves {@code host}; listeners of the returned future run on {@code loop}. */
    public Future<InetAddress> resolve(String host, EventExecutor loop) {
        InetAddress lit = literal(host);
        if (lit != null) {
            return loop.newSucceededFuture(lit);
        }
        Promise<InetAddress> p = loop.newPromise();
        try {
            blocking.execute(() -> {
                try {
                    p.trySuccess(InetAddress.getByName(host));
                } catch (UnknownHostException | RuntimeException e) {
                    p.tryFailure(e);
                }
            });
        } catch (RejectedExecutionException e) {
            p.tryFailure(new UnknownHostException(host + ": resolver queue full"));
        }
        return p;
    }

    @Override
    public void close() {
        blocking.shutdownNow();
    }
}
