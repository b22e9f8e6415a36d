package org.kongjava.tls;

import java.util.Collection;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;
import java.util.function.Function;

import io.netty.handler.ssl.SslContext;
import io.netty.util.Mapping;
import org.kongjava.config.model.Sni;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Immutable map from a client's SNI to the server context to use, for Netty's {@code SniHandler}. Lookup order
 * (Kong, proxy-behaviour.md §10), case-insensitive:
 * <ol>
 *   <li>the SNI entity with exactly that name;</li>
 *   <li>{@code *.rest}: the first label replaced by {@code *}, only when the name has at least three labels;</li>
 *   <li>{@code first.*}: the last label replaced by {@code *};</li>
 *   <li>the SNI entity named {@code *};</li>
 *   <li>the listener's default context (kong.conf {@code ssl_cert} or the generated pair). No SNI: this one.</li>
 * </ol>
 * A certificate wildcard stands for exactly one label, unlike route {@code snis}/{@code hosts}.
 *
 * <p>One index per (listener default, ALPN mode); each lookup is two to four hash probes, no allocation besides
 * the candidate names.
 */
public final class SniCertificateIndex implements Mapping<String, SslContext> {
    private static final Logger log = LoggerFactory.getLogger(SniCertificateIndex.class);

    /** The name of the SNI entity that acts as the default certificate. */
    public static final String DEFAULT_SNI = "*";

    private final Map<String, Entry> byName;
    private final SslContext defaultContext;

    /** What a lookup found: the context and, when an SNI entity matched, its name and certificate. */
    public record Selection(SslContext context, String matchedSni, UUID certificateId) {
        /** True when the listener's default context was chosen (no SNI entity matched). */
        public boolean isListenerDefault() {
            return matchedSni == null;
        }
    }

    private record Entry(String name, UUID certificateId, SslContext context) {
    }

    private SniCertificateIndex(Map<String, Entry> byName, SslContext defaultContext) {
        this.byName = byName;
        this.defaultContext = defaultContext;
    }

    /**
     * Builds the index. {@code contextOf} gives the context of a certificate id (typically
     * {@link ServerTlsContexts#forCertificate} over the snapshot's certificates); an SNI whose certificate has no
     * context (null) is left out with a WARN, so the other names keep working.
     *
     * @param defaultContext the listener's own certificate, served when nothing matches; never null
     */
    public static SniCertificateIndex build(Collection<Sni> snis, Function<UUID, SslContext> contextOf,
                                            SslContext defaultContext) {
        Objects.requireNonNull(defaultContext, "defaultContext");
        Map<String, Entry> map = new HashMap<>();
        for (Sni sni : snis) {
            SslContext ctx = contextOf.apply(sni.certificateId());
            if (ctx == null) {
                log.warn("SNI '{}' refers to certificate {} which has no usable context; the name is not served",
                        sni.name(), sni.certificateId());
                continue;
            }
            String name = normalize(sni.name());
            Entry previous = map.put(name, new Entry(name, sni.certificateId(), ctx));
            if (previous != null) {
                // Validation keeps names unique; if two slip through, say so instead of picking silently.
                log.warn("SNI '{}' is defined twice (certificates {} and {}); using {}", name,
                        previous.certificateId(), sni.certificateId(), sni.certificateId());
            }
        }
        return new SniCertificateIndex(Map.copyOf(map), defaultContext);
    }

    /** An index with no SNI entities: every name gets {@code defaultContext}. */
    public static SniCertificateIndex defaultOnly(SslContext defaultContext) {
        return new SniCertificateIndex(Map.of(), Objects.requireNonNull(defaultContext, "defaultContext"));
    }

    /** The same SNI entries with another listener default (e.g. admin vs proxy listeners). */
    public SniCertificateIndex withDefault(SslContext newDefault) {
        return new SniCertificateIndex(byName, Objects.requireNonNull(newDefault, "newDefault"));
    }

    /** The listener's default context. */
    public SslContext defaultContext() {
        return defaultContext;
    }

    /** Number of SNI names indexed. */
    public int size() {
        return byName.size();
    }

    /** Netty's {@code SniHandler} entry point: the context for {@code hostname} (null = no SNI sent). */
    @Override
    public SslContext map(String hostname) {
        return select(hostname).context();
    }

    /** The full lookup result, for logs and {@code ConnectionInfo}. */
    public Selection select(String hostname) {
        if (hostname == null || hostname.isEmpty() || byName.isEmpty()) {
            return new Selection(defaultContext, null, null);
        }
        String name = normalize(hostname);
        Entry e = byName.get(name);
        if (e == null && name.indexOf('*') < 0) {
            // A client SNI with a '*' is not a host name; only the exact probe and the defaults apply to it.
            String prefix = wildcardPrefix(name);
            if (prefix != null) {
                e = byName.get(prefix);
            }
            if (e == null) {
                String suffix = wildcardSuffix(name);
                if (suffix != null) {
                    e = byName.get(suffix);
                }
            }
        }
        if (e == null) {
            e = byName.get(DEFAULT_SNI);
        }
        return e == null ? new Selection(defaultContext, null, null) : new Selection(e.context(), e.name(), e.certificateId());
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

    private static String normalize(String name) {
        return name.toLowerCase(Locale.ROOT);
    }
}
