package org.kongjava.core.tls;

import java.util.Collection;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import javax.net.ssl.SSLException;

import io.netty.handler.ssl.SslContext;
import org.kongjava.config.model.Certificate;
import org.kongjava.config.model.EntitySet;
import org.kongjava.tls.AlpnMode;
import org.kongjava.tls.PemException;
import org.kongjava.tls.ServerKeyMaterial;
import org.kongjava.tls.ServerTlsContexts;
import org.kongjava.tls.SniCertificateIndex;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Builds the {@link TlsSnapshot} of each routing snapshot. Proxy listeners get the SNI entities in front of their own
 * certificate; Admin API and status listeners only their own certificate, as in Kong
 * ({@link ListenerTls#servesSniEntities()}). Owns the long-lived {@link ServerTlsContexts} (contexts
 * of Certificate entities cached by id and content, so a change rebuilds only what changed) and the listeners' own
 * certificates.
 *
 * <p>Listener certificates are registered at start-up ({@link #register}) and replaced when their files change (the
 * caller then asks the config writer to {@code republish()}). {@link #compile} runs on the config writer thread;
 * {@link #register} may run on any thread (it builds the context there, off the event loops).
 *
 * <p>An entity whose context cannot be built (the provider refuses a key the PEM checks accepted) is left out with a
 * WARN and its names fall back to the listener certificate, rather than refusing the whole configuration: a stored
 * configuration must always start.
 */
public final class TlsCompiler {
    private static final Logger log = LoggerFactory.getLogger(TlsCompiler.class);

    private final ServerTlsContexts contexts;
    private final Map<ListenerTls, SslContext> defaults = new ConcurrentHashMap<>();
    private final Map<String, ServerKeyMaterial> materials = new ConcurrentHashMap<>();
    // Only the config writer thread compiles; entity sets share unchanged records, so identity finds them.
    private final Map<BuiltKey, Built> built = new HashMap<>();

    private record BuiltKey(UUID certificateId, AlpnMode alpn) {
    }

    private record Built(Certificate certificate, SslContext context) {
    }

    public TlsCompiler(ServerTlsContexts contexts) {
        this.contexts = Objects.requireNonNull(contexts, "contexts");
    }

    public ServerTlsContexts contexts() {
        return contexts;
    }

    /**
     * Sets (or replaces) the certificate a listener kind serves when no SNI entity matches. Takes effect with the
     * next compiled snapshot.
     *
     * @throws SSLException when the provider refuses the material
     */
    public void register(ListenerTls listener, ServerKeyMaterial material) throws SSLException {
        defaults.put(listener, contexts.build(material, listener.alpn()));
        materials.put(listener.name(), material);
    }

    /** The registered listener certificates by listener kind ({@code proxy}, {@code admin}, …), for expiry checks. */
    public Map<String, ServerKeyMaterial> registeredMaterial() {
        return Map.copyOf(materials);
    }

    /** True once {@code listener} has a certificate. */
    public boolean isRegistered(ListenerTls listener) {
        return defaults.containsKey(listener);
    }

    /** The indexes for every registered listener over the set's certificates and SNIs. */
    public TlsSnapshot compile(EntitySet set) {
        Collection<Certificate> certificates = set.certificates().values();
        contexts.retainOnly(set.certificates().keySet());
        built.keySet().removeIf(k -> !set.certificates().containsKey(k.certificateId()));
        if (defaults.isEmpty()) {
            return TlsSnapshot.NONE;
        }
        Map<AlpnMode, SniCertificateIndex> byAlpn = new EnumMap<>(AlpnMode.class);
        Map<ListenerTls, SniCertificateIndex> out = new LinkedHashMap<>();
        for (Map.Entry<ListenerTls, SslContext> e : defaults.entrySet()) {
            if (!e.getKey().servesSniEntities()) {
                out.put(e.getKey(), SniCertificateIndex.defaultOnly(e.getValue()));
                continue;
            }
            AlpnMode alpn = e.getKey().alpn();
            SniCertificateIndex shared = byAlpn.get(alpn);
            if (shared == null) {
                // One entity index per ALPN mode; listeners of that mode differ only in their default.
                shared = SniCertificateIndex.build(set.snis().values(), contextsOf(certificates, alpn)::get, e.getValue());
                byAlpn.put(alpn, shared);
                out.put(e.getKey(), shared);
            } else {
                out.put(e.getKey(), shared.withDefault(e.getValue()));
            }
        }
        return new TlsSnapshot(out);
    }

    private Map<UUID, SslContext> contextsOf(Collection<Certificate> certificates, AlpnMode alpn) {
        Map<UUID, SslContext> out = new HashMap<>();
        for (Certificate c : certificates) {
            Built hit = built.get(new BuiltKey(c.id(), alpn));
            if (hit != null && hit.certificate() == c) {
                // The very record of the previous set: unchanged, no need to hash its PEM texts again.
                out.put(c.id(), hit.context());
                continue;
            }
            try {
                SslContext ctx = contexts.forCertificate(c, alpn);
                built.put(new BuiltKey(c.id(), alpn), new Built(c, ctx));
                out.put(c.id(), ctx);
            } catch (PemException | SSLException | RuntimeException ex) {
                // The message names the problem, never key content (PemCodec's rule).
                log.warn("certificate {} cannot be served ({}); its SNIs get the listener certificate", c.id(),
                        ex.getMessage());
            }
        }
        return out;
    }
}
