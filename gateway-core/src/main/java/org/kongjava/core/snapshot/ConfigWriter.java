package org.kongjava.core.snapshot;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.kongjava.config.model.EntitySet;
import org.kongjava.config.store.ConcurrentChangeException;
import org.kongjava.config.store.ConfigStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The single writer of the configuration. Every change runs on one thread ({@code gw-config}):
 * apply to the current set, compile a new snapshot, make it durable, publish. One writer gives a
 * total order of versions and needs no locks; event loops never wait for it.
 * <p>
 * The compile step runs before the store commit, so a change the data plane cannot use is never stored.
 * Mutations queued while a commit runs are applied together, compiled once and committed in one
 * transaction ("group commit"); each caller is answered after the publish that contains its change.
 * <p>
 * When the store reports that another node changed the configuration first
 * ({@link ConcurrentChangeException}), the writer adopts the stored configuration and applies the
 * queued changes again on top of it.
 */
public final class ConfigWriter implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(ConfigWriter.class);
    /** Most mutations in one group commit: bounds the work lost to one failing commit. */
    private static final int MAX_BATCH = 512;
    private static final int MAX_CONFLICT_RETRIES = 5;

    /** A change to the configuration, applied on the writer thread. */
    @FunctionalInterface
    public interface Mutation<T> {
        /**
         * Computes the next entity set from the current one. Throw to refuse the change (e.g. a
         * validation error); nothing is then stored or published.
         */
        Result<T> apply(EntitySet current) throws Exception;
    }

    /**
     * @param next  the new entity set, or null (or the same instance) when nothing changes
     * @param value what the caller gets back (e.g. the written entity)
     */
    public record Result<T>(EntitySet next, T value) {
        public static <T> Result<T> unchanged(T value) {
            return new Result<>(null, value);
        }
    }

    private record Task<T>(Mutation<T> mutation, CompletableFuture<T> done) {
        /** Applies the mutation; a refusal completes the caller at once and leaves {@code current} as it was. */
        EntitySet apply(EntitySet current, List<Runnable> onSuccess) {
            Result<T> r;
            try {
                r = mutation.apply(current);
            } catch (Throwable t) {
                if (!(t instanceof Exception) || t instanceof RuntimeException && !isExpected(t)) {
                    log.error("configuration change failed", t);
                }
                done.completeExceptionally(t);
                return current;
            }
            T value = r.value();
            onSuccess.add(() -> done.complete(value));
            return r.next() != null ? r.next() : current;
        }
    }

    private final SnapshotHolder holder;
    private final SnapshotCompiler compiler;
    private final ConfigStore store;
    private final ExecutorService thread;
    private final ConcurrentLinkedQueue<Task<?>> queue = new ConcurrentLinkedQueue<>();
    private final AtomicBoolean drainScheduled = new AtomicBoolean();

    public ConfigWriter(SnapshotHolder holder, SnapshotCompiler compiler, ConfigStore store) {
        this.holder = holder;
        this.compiler = compiler;
        this.store = store;
        this.thread = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "gw-config");
            t.setDaemon(true);
            return t;
        });
    }

    /** The store every change is committed to (e.g. to ask whether it is reachable, or DB-less). */
    public ConfigStore store() {
        return store;
    }

    /** Queues a change; the future completes after the new snapshot is live (read-your-writes). */
    public <T> CompletableFuture<T> submit(Mutation<T> mutation) {
        CompletableFuture<T> done = new CompletableFuture<>();
        queue.add(new Task<>(mutation, done));
        scheduleDrain(done);
        return done;
    }

    /**
     * Publishes a configuration that is already stored (written by another node and read by the store's
     * watcher), unless the live one is as new or newer. Nothing is committed.
     *
     * @return completes with true when it was published
     */
    public CompletableFuture<Boolean> adopt(EntitySet stored) {
        CompletableFuture<Boolean> done = new CompletableFuture<>();
        try {
            thread.execute(() -> {
                try {
                    done.complete(adoptNow(stored));
                } catch (Throwable t) {
                    log.error("cannot apply the stored configuration (revision {}): {}", stored.version(), t.toString());
                    done.completeExceptionally(t);
                }
            });
        } catch (RuntimeException rejected) {
            done.completeExceptionally(rejected);
        }
        return done;
    }

    /**
     * Recompiles the current entity set and publishes the result, storing nothing: for inputs of the snapshot that
     * are not entities, e.g. a listener certificate reloaded from its files. Ordered with every other change.
     */
    public CompletableFuture<Void> republish() {
        CompletableFuture<Void> done = new CompletableFuture<>();
        try {
            thread.execute(() -> {
                try {
                    holder.publish(compiler.compile(holder.current().entities()));
                    done.complete(null);
                } catch (Throwable t) {
                    log.error("republishing the configuration failed; the previous snapshot stays", t);
                    done.completeExceptionally(t);
                }
            });
        } catch (RuntimeException rejected) {
            done.completeExceptionally(rejected);
        }
        return done;
    }

    private boolean adoptNow(EntitySet stored) {
        if (stored.version() <= holder.current().entities().version()) {
            return false;
        }
        holder.publish(compiler.compile(stored));
        return true;
    }

    private void scheduleDrain(CompletableFuture<?> done) {
        if (drainScheduled.compareAndSet(false, true)) {
            try {
                thread.execute(this::drain);
            } catch (RuntimeException rejected) {
                drainScheduled.set(false);
                Task<?> t;
                while ((t = queue.poll()) != null) {
                    t.done().completeExceptionally(rejected);
                }
                done.completeExceptionally(rejected);
            }
        }
    }

    private void drain() {
        drainScheduled.set(false);
        List<Task<?>> batch = new ArrayList<>();
        Task<?> t;
        while (batch.size() < MAX_BATCH && (t = queue.poll()) != null) {
            batch.add(t);
        }
        if (!queue.isEmpty()) {
            scheduleDrain(new CompletableFuture<>());
        }
        if (!batch.isEmpty()) {
            try {
                runBatch(batch);
            } catch (Throwable unexpected) {
                // Never leave a caller waiting: whatever went wrong, every change of the batch is answered.
                log.error("configuration writer failed", unexpected);
                failAll(batch, unexpected);
            }
        }
    }

    private void runBatch(List<Task<?>> batch) {
        for (int attempt = 0; ; attempt++) {
            EntitySet current = holder.current().entities();
            List<Runnable> answers = new ArrayList<>();
            EntitySet next = current;
            RoutingSnapshot compiled = null;
            try {
                for (Task<?> task : batch) {
                    next = task.apply(next, answers);
                }
                if (next != current) {
                    compiled = compiler.compile(next);
                }
            } catch (RuntimeException compileFailure) {
                if (batch.size() > 1) {
                    // Some change in the batch cannot be compiled: find out which by going one at a time.
                    for (Task<?> task : batch) {
                        runBatch(List.of(task));
                    }
                    return;
                }
                failAll(batch, compileFailure);
                return;
            }
            if (compiled == null) {
                answers.forEach(Runnable::run);
                return;
            }
            try {
                store.commit(current, next);
            } catch (ConcurrentChangeException conflict) {
                try {
                    adoptNow(conflict.current());
                } catch (RuntimeException uncompilable) {
                    // The stored configuration (written by another node) cannot be compiled here: keep serving
                    // the last good snapshot and refuse changes until it is fixed.
                    log.error("cannot apply the stored configuration (revision {}): {}", conflict.current().version(),
                            uncompilable.toString());
                    failAll(batch, conflict);
                    return;
                }
                if (attempt < MAX_CONFLICT_RETRIES) {
                    log.info("configuration changed elsewhere (revision {}); applying {} change(s) again on top of it",
                            conflict.current().version(), batch.size());
                    batch = pending(batch);
                    continue;
                }
                log.warn("giving up after {} conflicting writes", attempt + 1);
                failAll(batch, conflict);
                return;
            } catch (Throwable commitFailure) {
                log.error("cannot store the configuration: {}", commitFailure.toString());
                failAll(batch, commitFailure);
                return;
            }
            holder.publish(compiled);
            answers.forEach(Runnable::run);
            return;
        }
    }

    /** The tasks not already answered (a refused mutation was answered when it refused). */
    private static List<Task<?>> pending(List<Task<?>> batch) {
        return batch.stream().filter(x -> !x.done().isDone()).toList();
    }

    private static void failAll(List<Task<?>> batch, Throwable t) {
        for (Task<?> task : batch) {
            task.done().completeExceptionally(t);
        }
    }

    /** Validation-style failures are the caller's to report; anything else is logged here too. */
    private static boolean isExpected(Throwable t) {
        return t instanceof IllegalArgumentException;
    }

    @Override
    public void close() {
        thread.shutdown();
        try {
            thread.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
