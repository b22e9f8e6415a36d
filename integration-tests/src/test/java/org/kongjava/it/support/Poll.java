package org.kongjava.it.support;

import java.time.Duration;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/** Waiting for a condition with a deadline, instead of sleeping for a guessed time. */
public final class Poll {

    private Poll() {}

    /**
     * Re-checks {@code condition} every few milliseconds until it holds; throws an AssertionError with
     * {@code describe}'s text when {@code timeout} passes first.
     */
    public static void until(Duration timeout, BooleanSupplier condition, Supplier<String> describe) {
        long deadline = System.nanoTime() + timeout.toNanos();
        long pauseNanos = 1_000_000;
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() - deadline > 0) {
                throw new AssertionError("not true within " + timeout + ": " + describe.get());
            }
            LockSupport.parkNanos(pauseNanos);
            pauseNanos = Math.min(pauseNanos * 2, 50_000_000);
            if (Thread.interrupted()) {
                Thread.currentThread().interrupt();
                throw new AssertionError("interrupted while waiting for: " + describe.get());
            }
        }
    }

    /** True when {@code condition} holds within {@code timeout}; false otherwise (no exception). */
    public static boolean within(Duration timeout, BooleanSupplier condition) {
        try {
            until(timeout, condition, () -> "");
            return true;
        } catch (AssertionError e) {
            return false;
        }
    }
}
