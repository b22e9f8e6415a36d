package org.kongjava.core.accesslog;

import java.util.Objects;

/**
 * Where one server's access-log lines go: a file ({@link AccessLogWriter}, possibly shared with another server,
 * as Kong's proxy and stream logs share {@code logs/access.log}), or nowhere ({@link #OFF}). Callers test
 * {@link #enabled()} before building a line, so {@code off} costs one field read per request.
 */
public final class AccessLog {
    /** Logging disabled ({@code off}). */
    public static final AccessLog OFF = new AccessLog(null, null);

    private final AccessLogWriter writer;
    private final String format;

    private AccessLog(AccessLogWriter writer, String format) {
        this.writer = writer;
        this.format = format;
    }

    /** Lines go to {@code writer} in the server's default format. */
    public static AccessLog to(AccessLogWriter writer) {
        return to(writer, null);
    }

    /** Lines go to {@code writer}; {@code format} is a name of {@link AccessLogFormat}, or null for the default. */
    public static AccessLog to(AccessLogWriter writer, String format) {
        return new AccessLog(Objects.requireNonNull(writer, "writer"), format);
    }

    /** The format name set after the path, or null (the server's default). */
    public String format() {
        return format;
    }

    /** Whether lines are written at all. */
    public boolean enabled() {
        return writer != null;
    }

    /** Hands one finished line to the writer (never blocks; see {@link AccessLogWriter#offer}). */
    public void write(CharSequence line) {
        if (writer != null) {
            writer.offer(line.toString());
        }
    }

    /** Lines dropped by this log's file (0 when off). */
    public long dropped() {
        return writer == null ? 0 : writer.dropped();
    }

    /** The writer, or null when off. */
    public AccessLogWriter writer() {
        return writer;
    }
}
