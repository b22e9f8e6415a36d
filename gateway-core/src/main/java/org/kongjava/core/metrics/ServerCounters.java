package org.kongjava.core.metrics;

import java.util.concurrent.atomic.LongAdder;

/**
 * Node-wide counters behind the Admin API's {@code GET /status} ({@code server.*}). LongAdders: every
 * event loop bumps them without contention.
 */
public final class ServerCounters {
    public final LongAdder connectionsAccepted = new LongAdder();
    public final LongAdder connectionsHandled = new LongAdder();
    public final LongAdder connectionsActive = new LongAdder();
    /** Connections with a request in progress (reading it, or waiting for / writing its response). */
    public final LongAdder connectionsBusy = new LongAdder();
    public final LongAdder totalRequests = new LongAdder();
}
