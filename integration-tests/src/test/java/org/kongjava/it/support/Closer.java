package org.kongjava.it.support;

/** Closes test resources in the given order, null-safe; every close runs and the first failure is rethrown. */
public final class Closer {

    private Closer() {}

    public static void closeAll(AutoCloseable... resources) {
        Throwable first = null;
        for (AutoCloseable r : resources) {
            if (r == null) {
                continue;
            }
            try {
                r.close();
            } catch (Throwable t) {
                if (first == null) {
                    first = t;
                } else {
                    first.addSuppressed(t);
                }
            }
        }
        if (first instanceof RuntimeException e) {
            throw e;
        }
        if (first instanceof Error e) {
            throw e;
        }
        if (first != null) {
            throw new AssertionError("close failed", first);
        }
    }
}
