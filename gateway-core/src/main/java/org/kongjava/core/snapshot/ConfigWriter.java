package org.kongjava.core.snapshot;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.kongjava.config.model.EntitySet;
import org.kongjava.config.store.ConfigStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The single writer of the configuration. Every change runs on one thread ({@code gw-config}):
 * apply to the current set, compile a new snapshot, make it durable, publish. One writer gives a
 * total order of versions and needs no locks; event loops never wait for it.
 * <p>
 * The compile step runs before the store commit, so a change the data plane cannot use is never stored.
 */
public final class ConfigWriter implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(ConfigWriter.class);

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

    private final SnapshotHolder holder;
    private final SnapshotCompiler compiler;
    private final ConfigStore store;
    private final ExecutorService thread;

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

    /** Queues a change; the future completes after the new snapshot is live (read-your-writes). */
    public <T> CompletableFuture<T> submit(Mutation<T> mutation) {
        CompletableFuture<T> done = new CompletableFuture<>();
        try {
            thread.execute(() -> run(mutation, done));
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

    private <T> void run(Mutation<T> mutation, CompletableFuture<T> done) {
        try {
            EntitySet current = holder.current().entities();
            Result<T> r = mutation.apply(current);
            if (r.next() != null && r.next() != current) {
                RoutingSnapshot next = compiler.compile(r.next());
                store.commit(current, r.next());
                holder.publish(next);
            }
            done.complete(r.value());
        } catch (Throwable t) {
            if (!(t instanceof Exception) || t instanceof RuntimeException && !isExpected(t)) {
                log.error("configuration change failed", t);
            }
            done.completeExceptionally(t);
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
