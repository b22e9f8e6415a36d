package org.kongjava.tls;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reloads a listener's certificate files ({@code ssl_cert}/{@code ssl_cert_key}, {@code admin_ssl_cert}/…) when
 * they change, without a restart.
 *
 * <p>Polls on one daemon thread: for each file its real path, modification time, size and file key (inode).
 * The real path makes Kubernetes' Secret update visible (the mounted names are symlinks through {@code ..data},
 * which is swapped to a new directory in one rename). A change is loaded once it has been seen unchanged on two
 * consecutive polls, so a copy of the certificate followed a moment later by its key is not caught half-way.
 * The new files must parse and match (and an alternative pair must be of the other key type); otherwise a WARN
 * names the file and the reason, and the current certificate stays in use. A refused state is logged once, not on
 * every poll.
 *
 * <p>The listener runs on the watcher thread; it should hand the material to gw-config (build contexts, publish a
 * snapshot) and return.
 */
public final class CertificateFileWatcher implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(CertificateFileWatcher.class);

    /** One certificate file with its key file. */
    public record Pair(Path cert, Path key) {
        public Pair {
            Objects.requireNonNull(cert, "cert");
            Objects.requireNonNull(key, "key");
        }
    }

    private record FileState(Path path, String realPath, long mtimeMillis, long size, Object fileKey) {
    }

    private final String name;
    private final List<Pair> pairs;
    private final Duration interval;
    private final Consumer<ServerKeyMaterial> listener;
    private final ScheduledExecutorService timer;

    // Only the polling thread (or a test calling checkNow()) touches these; checkNow is synchronized so that
    // the two never interleave.
    private List<FileState> loadedState;
    private List<FileState> pendingState;
    private List<FileState> refusedState;
    private volatile ServerKeyMaterial current;

    /**
     * @param name     names the listener in logs and the thread, e.g. {@code proxy} or {@code admin}
     * @param pairs    one or two pairs (RSA and ECDSA, in kong.conf order)
     * @param interval time between polls (a couple of seconds)
     * @param listener receives each newly loaded material
     */
    public CertificateFileWatcher(String name, List<Pair> pairs, Duration interval,
                                  Consumer<ServerKeyMaterial> listener) {
        this.name = Objects.requireNonNull(name, "name");
        this.pairs = List.copyOf(pairs);
        if (this.pairs.isEmpty() || this.pairs.size() > 2) {
            throw new IllegalArgumentException("pairs: " + this.pairs.size() + " (expected 1 or 2: RSA and ECDSA)");
        }
        this.interval = Objects.requireNonNull(interval, "interval");
        if (interval.isNegative() || interval.isZero()) {
            throw new IllegalArgumentException("interval: " + interval + " (expected > 0)");
        }
        this.listener = Objects.requireNonNull(listener, "listener");
        this.timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "gw-certwatch-" + name);
            t.setDaemon(true);
            return t;
        });
    }

    /**
     * Reads and validates the files now and makes them current (start-up; the listener is not called).
     *
     * @throws IOException  a file cannot be read (the message names it)
     * @throws PemException the files do not hold a usable pair (the message names the file)
     */
    public synchronized ServerKeyMaterial load() throws IOException, PemException {
        List<FileState> state = snapshot();
        ServerKeyMaterial m = read();
        loadedState = state;
        pendingState = null;
        refusedState = null;
        current = m;
        CertificateExpiry.warnIfExpiringSoon(name + " certificate " + pairs.get(0).cert(), m.leaves(), Instant.now());
        return m;
    }

    /** Starts polling every {@code interval}. Call {@link #load()} first. */
    public void start() {
        if (loadedState == null) {
            throw new IllegalStateException("load() must succeed before start()");
        }
        long ms = interval.toMillis();
        timer.scheduleWithFixedDelay(() -> {
            try {
                checkNow();
            } catch (RuntimeException e) {
                log.error("{} certificate watch: unexpected error; watching goes on", name, e);
            }
        }, ms, ms, TimeUnit.MILLISECONDS);
    }

    /** The material in use (last successful load). */
    public ServerKeyMaterial current() {
        return current;
    }

    /**
     * One poll: returns true when changed files were loaded and the listener called. Public for tests and for an
     * explicit reload (e.g. a signal).
     */
    public synchronized boolean checkNow() {
        List<FileState> state = snapshot();
        if (state.equals(loadedState)) {
            pendingState = null;
            return false;
        }
        if (!state.equals(pendingState)) {
            pendingState = state; // changed: wait until it holds still for one more poll
            return false;
        }
        if (state.equals(refusedState)) {
            return false; // already refused and logged
        }
        ServerKeyMaterial m;
        try {
            m = read();
        } catch (IOException | PemException e) {
            refusedState = state;
            log.warn("{} certificate files changed but were refused, keeping the current certificate: {}", name,
                    e.getMessage());
            return false;
        }
        loadedState = state;
        pendingState = null;
        refusedState = null;
        current = m;
        log.info("{} certificate reloaded from {}: {}", name, pairs.get(0).cert(), m);
        CertificateExpiry.warnIfExpiringSoon(name + " certificate " + pairs.get(0).cert(), m.leaves(), Instant.now());
        listener.accept(m);
        return true;
    }

    private ServerKeyMaterial read() throws IOException, PemException {
        List<String> certs = new ArrayList<>(pairs.size());
        List<String> keys = new ArrayList<>(pairs.size());
        for (Pair p : pairs) {
            certs.add(readFile(p.cert()));
            keys.add(readFile(p.key()));
        }
        try {
            return ServerKeyMaterial.fromPemPairs(certs, keys);
        } catch (PemException e) {
            throw new PemException(e.getMessage() + " (files " + pairs + ")");
        }
    }

    private static String readFile(Path p) throws IOException {
        try {
            // Latin-1 never fails on stray bytes; PEM itself is ASCII.
            return Files.readString(p, StandardCharsets.ISO_8859_1);
        } catch (NoSuchFileException e) {
            throw new IOException(p + ": no such file", e);
        }
    }

    private List<FileState> snapshot() {
        List<FileState> out = new ArrayList<>(pairs.size() * 2);
        for (Pair p : pairs) {
            out.add(stateOf(p.cert()));
            out.add(stateOf(p.key()));
        }
        return out;
    }

    private static FileState stateOf(Path p) {
        try {
            Path real = p.toRealPath();
            BasicFileAttributes a = Files.readAttributes(real, BasicFileAttributes.class);
            return new FileState(p, real.toString(), a.lastModifiedTime().toMillis(), a.size(), a.fileKey());
        } catch (IOException e) {
            return new FileState(p, null, -1, -1, null); // missing (e.g. mid-swap): a state of its own
        }
    }

    /** Stops polling. */
    @Override
    public void close() {
        timer.shutdownNow();
    }
}
