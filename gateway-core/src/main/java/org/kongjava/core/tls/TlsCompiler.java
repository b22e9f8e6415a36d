package org.kongjava.core.tls;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.SSLException;

import io.netty.handler.ssl.SslContext;
import org.kongjava.config.model.Certificate;
import org.kongjava.config.model.EntitySet;
import org.kongjava.config.model.Sni;
import org.kongjava.tls.AlpnMode;
import org.kongjava.tls.ServerKeyMaterial;
import org.kongjava.tls.ServerTlsContexts;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Builds the {@link TlsSnapshot} of each routing snapshot. Proxy listeners get the SNI entities in front of their own
 * certificate; Admin API and status listeners only their own certificate, as in Kong
 * ({@link ListenerTls#servesSniEntities()}).
 *
 * <p>Owns the server contexts of Certificate entities, per certificate and ALPN mode. A context is kept while its
 * entity record is unchanged (entity sets share unchanged records) and built once per new content:
 * <ul>
 *   <li>when a change brings a few new or changed certificates (an Admin API write), {@link #compile} builds them on
 *       the config writer thread, so the write is answered once they can be served;</li>
 *   <li>when it brings many (start-up with a large configuration), they are built in the background on
 *       {@code gw-tls-build} threads and a handshake that needs one first waits for it there, never on the event
 *       loop.</li>
 * </ul>
 * A context that cannot be built (the provider refuses a key the PEM checks accepted) is logged at WARN and its names
 * get the listener certificate, rather than refusing the configuration: a stored configuration must always start.
 *
 * <p>Listener certificates are registered at start-up ({@link #register}) and replaced when their files change (the
 * caller then asks the config writer to {@code republish()}).
 */
public final class TlsCompiler implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(TlsCompiler.class);

    /** Up to this many new contexts are built inside {@link #compile}; beyond, in the background. */
    static final int BUILD_INLINE_MAX = 32;

    private final ServerTlsContexts contexts;
    private final Map<ListenerTls, SslContext> defaults = new ConcurrentHashMap<>();
    private final Map<String, ServerKeyMaterial> materials = new ConcurrentHashMap<>();
    private final Map<BuiltKey, Built> built = new ConcurrentHashMap<>();
    private final ThreadPoolExecutor builders;

    private record BuiltKey(UUID certificateId, AlpnMode alpn) {
    }

    /** A context for exactly this entity record (compared by identity). */
    private record Built(Certificate certificate, CompletableFuture<SslContext> context) {
    }

    public TlsCompiler(ServerTlsContexts contexts) {
        this.contexts = Objects.requireNonNull(contexts, "contexts");
        int n = Math.max(1, Math.min(4, Runtime.getRuntime().availableProcessors() / 2));
        AtomicInteger seq = new AtomicInteger();
        this.builders = new ThreadPoolExecutor(n, n, 30, TimeUnit.SECONDS, new LinkedBlockingQueue<>(), r -> {
            Thread t = new Thread(r, "gw-tls-build-" + seq.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        builders.allowCoreThreadTimeOut(true);
    }

    public ServerTlsContexts contexts() {
        return contexts;
    }

    /**
     * Sets (or replaces) the certificate a listener kind serves when no SNI entity matches. Takes effect with the
     * next compiled snapshot. Builds the context on the calling thread (off the event loops).
     *
     * @throws SSLException when the provider refuses the material
     */
    public void register(ListenerTls listener, ServerKeyMaterial material) throws SSLException {
        defaults.put(listener, contexts.build(material, listener.alpn()));
        materials.put(listener.name(), material);
    }

    /** True once {@code listener} has a certificate. */
    public boolean isRegistered(ListenerTls listener) {
        return defaults.containsKey(listener);
    }

    /** The registered listener certificates by listener kind ({@code proxy}, {@code admin}, …), for expiry checks. */
    public Map<String, ServerKeyMaterial> registeredMaterial() {
        return Map.copyOf(materials);
    }

    /** Number of entity contexts built and kept (tests, metrics). */
    public int builtCount() {
        return (int) built.values().stream().filter(b -> b.context().isDone() && !b.context().isCompletedExceptionally()).count();
    }

    /** The selectors of every registered listener over the set's certificates and SNIs. Config writer thread. */
    public TlsSnapshot compile(EntitySet set) {
        Map<UUID, Certificate> certificates = set.certificates();
        built.keySet().removeIf(k -> !certificates.containsKey(k.certificateId()));
        contexts.retainOnly(certificates.keySet());
        if (defaults.isEmpty()) {
            return TlsSnapshot.NONE;
        }
        Map<String, UUID> byName = names(set.snis().values(), certificates);
        Map<ListenerTls, SniSelector> out = new LinkedHashMap<>();
        List<Certificate> missing = new ArrayList<>();
        List<AlpnMode> missingAlpn = new ArrayList<>();
        for (Map.Entry<ListenerTls, SslContext> e : defaults.entrySet()) {
            ListenerTls l = e.getKey();
            if (!l.servesSniEntities()) {
                out.put(l, new SniSelector(Map.of(), Map.of(), l, e.getValue(), this));
                continue;
            }
            out.put(l, new SniSelector(byName, certificates, l, e.getValue(), this));
            for (Certificate c : certificates.values()) {
                Built b = built.get(new BuiltKey(c.id(), l.alpn()));
                if (b == null || b.certificate() != c) {
                    missing.add(c);
                    missingAlpn.add(l.alpn());
                }
            }
        }
        if (missing.size() <= BUILD_INLINE_MAX) {
            for (int i = 0; i < missing.size(); i++) {
                try {
                    // A build started elsewhere runs on the builders, which never wait on each other: joining is safe.
                    contextFor(missing.get(i), missingAlpn.get(i), true).join();
                } catch (RuntimeException alreadyLogged) {
                    // its names fall back to the listener certificate
                }
            }
        } else {
            log.info("building {} TLS contexts for certificate entities in the background", missing.size());
            for (int i = 0; i < missing.size(); i++) {
                Certificate c = missing.get(i);
                AlpnMode alpn = missingAlpn.get(i);
                // No join here: a builder waiting for another build queued behind it could wait forever.
                builders.execute(() -> contextFor(c, alpn, true));
            }
        }
        return new TlsSnapshot(out);
    }

    /** SNI name (lower case) → certificate id, for SNIs whose certificate exists. */
    private static Map<String, UUID> names(Iterable<Sni> snis, Map<UUID, Certificate> certificates) {
        Map<String, UUID> byName = new HashMap<>();
        for (Sni s : snis) {
            if (!certificates.containsKey(s.certificateId())) {
                continue; // validation keeps references intact; skip rather than serve nothing
            }
            UUID previous = byName.put(s.name().toLowerCase(Locale.ROOT), s.certificateId());
            if (previous != null && !previous.equals(s.certificateId())) {
                // Names are unique as written; two that differ only in case collide here. Say so, keep the last.
                log.warn("SNI '{}' is defined twice (certificates {} and {}); using {}", s.name(), previous,
                        s.certificateId(), s.certificateId());
            }
        }
        return Map.copyOf(byName);
    }

    /**
     * The context of {@code c} for {@code alpn}: the one already built (or being built) for this very record, else a
     * new build, on the calling thread when {@code buildHere}, else on a {@code gw-tls-build} thread (callers on an
     * event loop). Concurrent callers share one build.
     */
    CompletableFuture<SslContext> contextFor(Certificate c, AlpnMode alpn, boolean buildHere) {
        BuiltKey key = new BuiltKey(c.id(), alpn);
        Built current = built.get(key);
        if (current != null && current.certificate() == c) {
            return current.context();
        }
        Built mine = new Built(c, new CompletableFuture<>());
        Built winner = built.compute(key, (k, old) -> old != null && old.certificate() == c ? old : mine);
        if (winner != mine) {
            return winner.context();
        }
        if (buildHere) {
            build(c, alpn, mine.context());
        } else {
            builders.execute(() -> build(c, alpn, mine.context()));
        }
        return mine.context();
    }

    private void build(Certificate c, AlpnMode alpn, CompletableFuture<SslContext> into) {
        try {
            into.complete(contexts.forCertificate(c, alpn));
        } catch (Exception | LinkageError e) {
            // The message names the problem, never key content (PemCodec's rule).
            log.warn("certificate {} cannot be served ({}); its SNIs get the listener certificate", c.id(), e.getMessage());
            into.completeExceptionally(e);
        }
    }

    /** Stops the background builders. */
    @Override
    public void close() {
        builders.shutdownNow();
    }
}
