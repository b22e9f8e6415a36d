package org.kongjava.core.accesslog;

import java.io.BufferedOutputStream;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.atomic.LongAdder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Appends lines to one access-log file from one background thread. Event loops hand finished lines to
 * {@link #offer} through a bounded queue and never wait: when the queue is full the line is dropped and
 * counted ({@link #dropped()}), as a slow disk must not slow the proxy. {@link #close()} writes every line
 * still queued, then closes the file.
 * <p>
 * The file is opened in append mode ({@code O_APPEND}), so {@code logrotate}'s {@code copytruncate} works: after
 * the truncation the next write lands at the new end of the file.
 */
public final class AccessLogWriter implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(AccessLogWriter.class);
    /** Lines written per batch; the file is flushed whenever the queue runs empty. */
    private static final int BATCH = 512;
    /** How long queued lines may wait for the writer. */
    private static final long FLUSH_INTERVAL_NANOS = TimeUnit.MILLISECONDS.toNanos(50);

    private final Path file;
    private final ArrayBlockingQueue<String> queue;
    private final OutputStream out;
    private final Thread thread;
    private final LongAdder dropped = new LongAdder();
    private final LongAdder written = new LongAdder();
    private volatile boolean closing;
    private boolean failed;

    /**
     * Opens (creating it and its directory if needed) {@code file} for appending and starts the writer thread.
     *
     * @param capacity lines that may wait for the disk before new ones are dropped
     */
    public AccessLogWriter(Path file, int capacity) throws IOException {
        if (capacity < 1) {
            throw new IllegalArgumentException("capacity: " + capacity + " (expected: at least 1)");
        }
        this.file = file;
        Path dir = file.toAbsolutePath().getParent();
        if (dir != null) {
            java.nio.file.Files.createDirectories(dir);
        }
        this.out = new BufferedOutputStream(new FileOutputStream(file.toFile(), true), 64 * 1024);
        this.queue = new ArrayBlockingQueue<>(capacity);
        this.thread = Thread.ofPlatform().daemon().name("access-log " + file.getFileName()).unstarted(this::run);
        thread.start();
    }

    /** The file written. */
    public Path file() {
        return file;
    }

    /**
     * Queues one line (without its line break). Never blocks: returns false and counts the line as dropped when
     * the queue is full or the writer is closed.
     */
    public boolean offer(String line) {
        if (closing || !queue.offer(line)) {
            dropped.increment();
            return false;
        }
        return true;
    }

    /** Lines dropped because the queue was full (or the writer closed). */
    public long dropped() {
        return dropped.sum();
    }

    /** Lines written to the file so far. */
    public long written() {
        return written.sum();
    }

    private void run() {
        // The writer polls on a timer instead of waiting on the queue: a waiting consumer would be woken by every
        // offer, one thread switch per request on the event loop's core (measured: a third of the proxy's
        // throughput). Lines reach the file within FLUSH_INTERVAL_NANOS.
        List<String> batch = new ArrayList<>(BATCH);
        try {
            while (true) {
                boolean last = closing || Thread.currentThread().isInterrupted();
                while (queue.drainTo(batch, BATCH) > 0) {
                    write(batch);
                    batch.clear();
                }
                if (last) {
                    break;
                }
                LockSupport.parkNanos(FLUSH_INTERVAL_NANOS);
            }
        } finally {
            try {
                out.close();
            } catch (IOException e) {
                log.warn("access log {}: close failed: {}", file, e.getMessage());
            }
        }
    }

    private void write(List<String> lines) {
        try {
            for (String l : lines) {
                out.write(l.getBytes(StandardCharsets.UTF_8));
                out.write('\n');
            }
            if (queue.isEmpty()) {
                out.flush();
            }
            written.add(lines.size());
            failed = false;
        } catch (IOException e) {
            dropped.add(lines.size());
            if (!failed) { // once per failure streak, not once per line
                failed = true;
                log.error("access log {}: write failed, lines are dropped until it works again: {}", file,
                        e.getMessage());
            }
        }
    }

    /** Writes every queued line, closes the file and ends the thread (waits up to 10 s). */
    @Override
    public void close() {
        closing = true;
        LockSupport.unpark(thread);
        try {
            thread.join(10_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
