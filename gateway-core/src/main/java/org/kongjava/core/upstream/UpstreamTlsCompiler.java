package org.kongjava.core.upstream;

import io.netty.handler.ssl.SslContext;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import javax.net.ssl.SSLException;
import org.kongjava.config.model.CaCertificate;
import org.kongjava.config.model.Certificate;
import org.kongjava.config.model.EntitySet;
import org.kongjava.config.model.Protocol;
import org.kongjava.config.model.Service;
import org.kongjava.config.model.Upstream;
import org.kongjava.tls.PemCodec;
import org.kongjava.tls.PemException;
import org.kongjava.tls.UpstreamSslContexts;
import org.kongjava.tls.UpstreamTlsSettings;
import org.kongjava.tls.UpstreamTlsSettings.ClientKey;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Compiles the {@link UpstreamTlsContexts} of a snapshot: one {@link UpstreamTlsPolicy} per TLS service, its
 * {@link SslContext} shared by every service with the same (verification, trust set, depth, client certificate) and
 * reused from earlier snapshots while that tuple is unchanged. Runs on the config-writer thread (it parses PEM and
 * builds contexts); a change to a CA or client certificate changes the tuple, so new connections use the new
 * material at once, and pooled connections of the old tuple are no longer picked (their pool key differs).
 */
public final class UpstreamTlsCompiler {
    private static final Logger log = LoggerFactory.getLogger(UpstreamTlsCompiler.class);
    private static volatile UpstreamTlsCompiler fallback;

    private final UpstreamTlsSettings settings;
    private final UpstreamSslContexts contexts;
    private final String globalTrustId;
    // Parsed material by content, so that an unchanged CA or certificate is not parsed again on every compile.
    private final Map<String, X509Certificate> caByDigest = new ConcurrentHashMap<>();
    private final Map<UUID, CachedKey> clientKeys = new ConcurrentHashMap<>();

    private record CachedKey(String cert, String key, ClientKey parsed, String error) {
    }

    public UpstreamTlsCompiler(UpstreamTlsSettings settings, UpstreamSslContexts contexts) {
        this.settings = Objects.requireNonNull(settings, "settings");
        this.contexts = Objects.requireNonNull(contexts, "contexts");
        // The global bundle is fixed for the life of the process: one name identifies it.
        this.globalTrustId = "global";
    }

    /** Kong's defaults, for snapshots compiled without a configured compiler (tests). */
    static UpstreamTlsCompiler fallback() {
        UpstreamTlsCompiler f = fallback;
        if (f == null) {
            synchronized (UpstreamTlsCompiler.class) {
                f = fallback;
                if (f == null) {
                    f = new UpstreamTlsCompiler(UpstreamTlsSettings.defaults(), new UpstreamSslContexts());
                    fallback = f;
                }
            }
        }
        return f;
    }

    public UpstreamTlsSettings settings() {
        return settings;
    }

    /** Whether a service of this protocol opens TLS to its upstream. */
    public static boolean usesTls(Service s) {
        return s.protocol() == Protocol.HTTPS || s.protocol() == Protocol.GRPCS || s.protocol() == Protocol.TLS;
    }

    /** The policies of every TLS service of {@code entities}; contexts no service uses any more are dropped. */
    public UpstreamTlsContexts compile(EntitySet entities) {
        Map<UUID, UpstreamTlsPolicy> out = new HashMap<>();
        Set<UpstreamSslContexts.Key> used = new HashSet<>();
        Map<String, Upstream> upstreams = upstreamsByName(entities);
        for (Service s : entities.services().values()) {
            if (usesTls(s)) {
                out.put(s.id(), policy(entities, s, upstreams, used));
            }
        }
        contexts.retainOnly(used);
        Set<UUID> liveCerts = entities.certificates().keySet();
        clientKeys.keySet().retainAll(liveCerts);
        if (caByDigest.size() > 4 * Math.max(16, entities.caCertificates().size())) {
            caByDigest.clear(); // deleted CAs accumulate otherwise; rebuilt from the set on demand
        }
        return new UpstreamTlsContexts(out, entities);
    }

    /** One service's policy (on-demand instances). */
    UpstreamTlsPolicy policy(EntitySet entities, Service s) {
        return policy(entities, s, upstreamsByName(entities), new HashSet<>());
    }

    private static Map<String, Upstream> upstreamsByName(EntitySet entities) {
        Map<String, Upstream> m = new HashMap<>();
        for (Upstream u : entities.upstreams().values()) {
            m.put(u.name(), u);
        }
        return m;
    }

    private UpstreamTlsPolicy policy(EntitySet entities, Service s, Map<String, Upstream> upstreams,
                                     Set<UpstreamSslContexts.Key> used) {
        boolean verify = s.tlsVerify() != null ? s.tlsVerify() : settings.verifyDefault();
        String verifySource = s.tlsVerify() != null ? "service" : "upstream_tls_verify_default";
        int depth = s.tlsVerifyDepth() != null ? s.tlsVerifyDepth() : settings.verifyDepth();
        String depthSource = s.tlsVerifyDepth() != null ? "service" : "lua_ssl_verify_depth";
        boolean own = s.caCertificates() != null && !s.caCertificates().isEmpty();
        String trustSource = own ? "ca_certificates" : "lua_ssl_trusted_certificate";
        List<X509Certificate> trust = new ArrayList<>();
        String error = null;
        String trustId = globalTrustId;
        if (own) {
            StringBuilder id = new StringBuilder("cas");
            for (UUID caId : s.caCertificates()) {
                CaCertificate ca = entities.caCertificates().get(caId);
                if (ca == null) {
                    // The schema refuses dangling ids; a set loaded from elsewhere may still have one.
                    error = error == null ? "ca_certificates: " + caId + " does not exist" : error;
                    continue;
                }
                X509Certificate parsed = parseCa(ca);
                if (parsed == null) {
                    error = error == null ? "ca_certificates: " + caId + " does not parse" : error;
                    continue;
                }
                trust.add(parsed);
                id.append(':').append(ca.certDigest());
            }
            trustId = id.toString();
        } else if (verify) {
            trust = settings.trusted();
        }

        UUID clientId = null;
        String clientSource = null;
        ClientKey client = null;
        Upstream up = upstreams.get(s.host());
        if (s.clientCertificate() != null) {
            clientId = s.clientCertificate();
            clientSource = "service";
        } else if (up != null && up.clientCertificate() != null) {
            clientId = up.clientCertificate();
            clientSource = "upstream";
        } else if (settings.clientSsl() != null) {
            clientSource = "client_ssl";
            client = settings.clientSsl();
        }
        if (clientId != null) {
            Certificate cert = entities.certificates().get(clientId);
            if (cert == null) {
                error = error == null ? "client_certificate: " + clientId + " does not exist" : error;
            } else {
                CachedKey k = clientKey(cert);
                client = k.parsed();
                if (client == null && error == null) {
                    error = "client_certificate " + clientId + ": " + k.error();
                }
            }
        }
        UpstreamSslContexts.Key key = new UpstreamSslContexts.Key(verify, trustId, depth,
                client == null ? null : client.digest());
        SslContext context = null;
        if (error == null) {
            List<X509Certificate> finalTrust = trust;
            try {
                context = contexts.context(key, () -> finalTrust, client);
                used.add(key);
            } catch (SSLException | RuntimeException e) {
                error = "cannot build the TLS context: " + e.getMessage();
            }
        }
        if (error != null) {
            log.warn("service {} ({}): upstream TLS unusable, its requests will fail: {}", s.id(),
                    s.name() == null ? s.host() : s.name(), error);
        }
        List<UUID> cas = own ? s.caCertificates() : List.of();
        return new UpstreamTlsPolicy(verify, verifySource, depth, depthSource, trustSource, cas,
                own ? List.of() : settings.trustedSources(), clientId, clientSource, key.id(), context, error);
    }

    private X509Certificate parseCa(CaCertificate ca) {
        X509Certificate c = caByDigest.get(ca.certDigest());
        if (c != null) {
            return c;
        }
        try {
            c = PemCodec.parseCertificates(ca.cert()).get(0);
            caByDigest.put(ca.certDigest(), c);
            return c;
        } catch (PemException e) {
            return null;
        }
    }

    private CachedKey clientKey(Certificate cert) {
        CachedKey k = clientKeys.get(cert.id());
        if (k != null && k.cert().equals(cert.cert()) && k.key().equals(cert.key())) {
            return k;
        }
        try {
            k = new CachedKey(cert.cert(), cert.key(), ClientKey.parse(cert.cert(), cert.key(), "certificate " + cert.id()),
                    null);
        } catch (IllegalArgumentException e) {
            k = new CachedKey(cert.cert(), cert.key(), null, e.getMessage());
        }
        clientKeys.put(cert.id(), k);
        return k;
    }
}
