package org.kongjava.core.tls;

import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;

import io.netty.handler.ssl.SslContext;
import io.netty.util.AsyncMapping;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.Promise;
import org.kongjava.config.model.Certificate;

/**
 * One listener's certificate choice in one snapshot: client SNI → server context, for Netty's {@code SniHandler}.
 * Lookup order (Kong, proxy-behaviour.md §10), case-insensitive: the SNI entity with exactly that name; {@code *.rest}
 * (first label replaced, only for three labels or more); {@code first.*} (last label replaced); the SNI named
 * {@code *}; the listener's own certificate. No SNI sent: the listener's own certificate. A certificate wildcard
 * stands for exactly one label.
 *
 * <p>Contexts of Certificate entities are built on first use, off the event loop, by the {@link TlsCompiler} that
 * made this selector (most are built ahead, when the configuration changes): the name lookup is a few hash probes on
 * the event loop and never parses a key there. A certificate whose context cannot be built is served as the listener
 * certificate (a WARN says why).
 */
public final class SniSelector implements AsyncMapping<String, SslContext> {
    /** The name of the SNI entity that acts as the default certificate. */
    public static final String DEFAULT_SNI = "*";

    private final Map<String, UUID> byName;
    private final Map<UUID, Certificate> certificates;
    private final ListenerTls listener;
    private final SslContext defaultContext;
    private final TlsCompiler compiler;

    SniSelector(Map<String, UUID> byName, Map<UUID, Certificate> certificates, ListenerTls listener,
                SslContext defaultContext, TlsCompiler compiler) {
        this.byName = byName;
        this.certificates = certificates;
        this.listener = listener;
        this.defaultContext = Objects.requireNonNull(defaultContext, "defaultContext");
        this.compiler = compiler;
    }

    /** The listener's own context. */
    public SslContext defaultContext() {
        return defaultContext;
    }

    /** Number of SNI names this selector serves (0 on Admin API and status listeners). */
    public int size() {
        return byName.size();
    }

    /** The certificate chosen for {@code hostname}, or null for the listener's own certificate. */
    public UUID certificateFor(String hostname) {
        if (hostname == null || hostname.isEmpty() || byName.isEmpty()) {
            return null;
        }
        String name = hostname.toLowerCase(Locale.ROOT);
        UUID id = byName.get(name);
        if (id == null && name.indexOf('*') < 0) {
            // A client SNI with a '*' is not a host name; only the exact probe and the defaults apply to it.
            String prefix = wildcardPrefix(name);
            if (prefix != null) {
                id = byName.get(prefix);
            }
            if (id == null) {
                String suffix = wildcardSuffix(name);
                if (suffix != null) {
                    id = byName.get(suffix);
                }
            }
        }
        return id != null ? id : byName.get(DEFAULT_SNI);
    }

    /** Netty's entry point, on the event loop: completes at once when the context is built, else when it is. */
    @Override
    public Future<SslContext> map(String hostname, Promise<SslContext> promise) {
        UUID id = certificateFor(hostname);
        Certificate c = id == null ? null : certificates.get(id);
        if (c == null) {
            return promise.setSuccess(defaultContext);
        }
        CompletableFuture<SslContext> f = compiler.contextFor(c, listener.alpn(), false);
        SslContext ready = f.getNow(null);
        if (ready != null) {
            return promise.setSuccess(ready);
        }
        f.whenComplete((ctx, err) -> promise.trySuccess(err == null ? ctx : defaultContext));
        return promise;
    }

    /** The context for {@code hostname}, waiting for it to be built: tests and callers off the event loop. */
    public SslContext mapNow(String hostname) {
        UUID id = certificateFor(hostname);
        Certificate c = id == null ? null : certificates.get(id);
        if (c == null) {
            return defaultContext;
        }
        try {
            return compiler.contextFor(c, listener.alpn(), true).get();
        } catch (ExecutionException e) {
            return defaultContext;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return defaultContext;
        }
    }

    /** {@code a.b.c} → {@code *.b.c}; null for fewer than three labels. */
    static String wildcardPrefix(String name) {
        int first = name.indexOf('.');
        if (first <= 0 || name.indexOf('.', first + 1) < 0 || name.endsWith(".")) {
            return null;
        }
        return "*" + name.substring(first);
    }

    /** {@code a.b.c} → {@code a.b.*}; null for a single label. */
    static String wildcardSuffix(String name) {
        int last = name.lastIndexOf('.');
        if (last <= 0 || last == name.length() - 1) {
            return null;
        }
        return name.substring(0, last + 1) + "*";
    }
}
