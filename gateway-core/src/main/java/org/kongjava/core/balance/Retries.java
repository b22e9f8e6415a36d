package org.kongjava.core.balance;

import java.util.Set;

/**
 * Whether a failed try may be retried on another peer (nginx's {@code proxy_next_upstream error timeout}
 * as Kong configures it): never once the client got a byte of the response; never when no retries are left;
 * a request that is not idempotent ({@code POST}, {@code PATCH}, {@code LOCK}) only when none of its bytes
 * reached the upstream (the connect failed, or the connection broke before the first write completed).
 */
public final class Retries {
    private static final Set<String> NOT_IDEMPOTENT = Set.of("POST", "PATCH", "LOCK");

    private Retries() {
    }

    /**
     * @param method             the request method
     * @param triesSoFar         tries made, including the failed one
     * @param retries            the service's {@code retries} (extra tries allowed)
     * @param requestBytesSent   whether any request byte was written to this upstream connection
     * @param responseBytesSent  whether any response byte was sent to the client
     */
    public static boolean allowed(String method, int triesSoFar, int retries, boolean requestBytesSent, boolean responseBytesSent) {
        if (responseBytesSent || triesSoFar > retries) {
            return false;
        }
        return !requestBytesSent || !NOT_IDEMPOTENT.contains(method);
    }
}
