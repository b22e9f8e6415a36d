package org.kongjava.core.proxyprotocol;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A node-wide cap on log lines per second. A scanner or a misconfigured balancer hitting a public
 * {@code proxy_protocol} port must not flood the log (the counters still see every connection); the next
 * line that is written says how many were left out.
 */
final class LogBudget {
    private final int perSecond;
    private final AtomicLong windowStart = new AtomicLong(System.nanoTime());
    private final AtomicInteger used = new AtomicInteger();
    private final AtomicLong suppressed = new AtomicLong();

    LogBudget(int perSecond) {
        this.perSecond = perSecond;
    }

    /** True when a line may be written now; otherwise it is counted as suppressed. */
    boolean tryAcquire() {
        long now = System.nanoTime();
        long start = windowStart.get();
        if (now - start >= TimeUnit.SECONDS.toNanos(1) && windowStart.compareAndSet(start, now)) {
            used.set(0);
        }
        if (used.incrementAndGet() <= perSecond) {
            return true;
        }
        suppressed.incrementAndGet();
        return false;
    }

    /** Lines left out since the last call, as a suffix for the next line ({@code ""} when none). */
    String takeSuppressedNote() {
        long n = suppressed.getAndSet(0);
        return n == 0 ? "" : " (" + n + " similar line(s) suppressed)";
    }
}
