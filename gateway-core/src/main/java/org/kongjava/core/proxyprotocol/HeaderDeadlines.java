package org.kongjava.core.proxyprotocol;

import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.ScheduledFuture;
import java.util.ArrayDeque;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.TimeUnit;

/**
 * The header deadlines of one event loop's connections, sharing one timer.
 *
 * <p>Why not a timer per connection: a new connection's deadline is always the latest, and connections
 * usually finish their header within microseconds, so cancelling each one's timer moves the loop's earliest
 * deadline on nearly every accept and costs a {@code timerfd} re-arm each time. With one timeout per queue,
 * accept order is deadline order: a FIFO queue plus one timer armed for its oldest live entry does the same
 * job for an {@code ArrayDeque.add}. Finished entries are dropped lazily from the head, and drop their
 * channel reference at once so nothing closed is kept alive.
 *
 * <p>Each queue is only touched on its own event loop; the map is only read across loops.
 */
final class HeaderDeadlines {
    private record Key(EventExecutor executor, long timeoutNanos) {
    }

    private static final ConcurrentMap<Key, HeaderDeadlines> QUEUES = new ConcurrentHashMap<>();

    /** One waiting connection; {@link #cancel()} when its header is done or the connection is gone. */
    static final class Entry {
        private final long deadlineNanos;
        private Runnable onExpiry; // null once cancelled or fired

        private Entry(long deadlineNanos, Runnable onExpiry) {
            this.deadlineNanos = deadlineNanos;
            this.onExpiry = onExpiry;
        }

        void cancel() {
            onExpiry = null;
        }
    }

    private final Key key;
    private final ArrayDeque<Entry> queue = new ArrayDeque<>();
    private ScheduledFuture<?> timer;

    private HeaderDeadlines(Key key) {
        this.key = key;
    }

    /** Registers a connection accepted now on {@code executor}; call on that executor. */
    static Entry add(EventExecutor executor, long timeoutMillis, Runnable onExpiry) {
        assert executor.inEventLoop();
        Key k = new Key(executor, TimeUnit.MILLISECONDS.toNanos(timeoutMillis));
        HeaderDeadlines d = QUEUES.computeIfAbsent(k, HeaderDeadlines::new);
        return d.enqueue(onExpiry);
    }

    private Entry enqueue(Runnable onExpiry) {
        long now = key.executor.ticker().nanoTime();
        Entry e = new Entry(now + key.timeoutNanos, onExpiry);
        dropCancelledHead();
        queue.add(e);
        if (timer == null) {
            arm(now);
        }
        return e;
    }

    private void dropCancelledHead() {
        while (!queue.isEmpty() && queue.peekFirst().onExpiry == null) {
            queue.pollFirst();
        }
    }

    private void arm(long now) {
        long delay = Math.max(0, queue.peekFirst().deadlineNanos - now);
        timer = key.executor.schedule(this::sweep, delay, TimeUnit.NANOSECONDS);
    }

    private void sweep() {
        timer = null;
        long now = key.executor.ticker().nanoTime();
        while (!queue.isEmpty()) {
            Entry head = queue.peekFirst();
            if (head.onExpiry == null) {
                queue.pollFirst();
            } else if (head.deadlineNanos - now <= 0) {
                queue.pollFirst();
                Runnable r = head.onExpiry;
                head.onExpiry = null;
                r.run();
            } else {
                break;
            }
        }
        if (queue.isEmpty()) {
            // Forget idle loops (and the many short-lived loops of EmbeddedChannel tests).
            QUEUES.remove(key, this);
        } else {
            arm(now);
        }
    }

    /** Connections still waiting on {@code executor}, for tests. */
    static int pendingForTest(EventExecutor executor) {
        int n = 0;
        for (HeaderDeadlines d : QUEUES.values()) {
            if (d.key.executor != executor) {
                continue;
            }
            for (Entry e : d.queue) {
                if (e.onExpiry != null) {
                    n++;
                }
            }
        }
        return n;
    }
}
