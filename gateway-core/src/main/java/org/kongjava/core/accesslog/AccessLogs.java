package org.kongjava.core.accesslog;

import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The access-log files of one gateway: one {@link AccessLogWriter} (one thread) per distinct file, shared by
 * the servers that name it. {@link #close()} flushes and closes them all (at shutdown, after the event loops).
 */
public final class AccessLogs implements AutoCloseable {
    /** Lines that may wait for the disk per file before new ones are dropped. */
    public static final int DEFAULT_CAPACITY = 16_384;

    private final int capacity;
    private final Map<Path, AccessLogWriter> writers = new LinkedHashMap<>();

    public AccessLogs() {
        this(DEFAULT_CAPACITY);
    }

    public AccessLogs(int capacity) {
        this.capacity = capacity;
    }

    /** The log for {@code spec}: {@link AccessLog#OFF}, or one on the (shared) writer of its file. */
    public synchronized AccessLog open(AccessLogSpec spec) throws IOException {
        if (spec.off()) {
            return AccessLog.OFF;
        }
        AccessLogWriter w = writers.get(spec.file());
        if (w == null) {
            w = new AccessLogWriter(spec.file(), capacity);
            writers.put(spec.file(), w);
        }
        return AccessLog.to(w, spec.format());
    }

    /** Lines dropped over all files. */
    public synchronized long dropped() {
        long n = 0;
        for (AccessLogWriter w : writers.values()) {
            n += w.dropped();
        }
        return n;
    }

    @Override
    public synchronized void close() {
        for (AccessLogWriter w : writers.values()) {
            w.close();
        }
        writers.clear();
    }
}
