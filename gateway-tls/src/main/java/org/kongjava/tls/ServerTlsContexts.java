package org.kongjava.tls;

import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;

import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLParameters;

import io.netty.handler.ssl.ApplicationProtocolConfig;
import io.netty.handler.ssl.DelegatingSslContext;
import io.netty.handler.ssl.OpenSsl;
import io.netty.handler.ssl.OpenSslCachingX509KeyManagerFactory;
import io.netty.handler.ssl.OpenSslCredential;
import io.netty.handler.ssl.OpenSslCredentialBuilder;
import io.netty.handler.ssl.OpenSslSessionContext;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import io.netty.handler.ssl.SupportedCipherSuiteFilter;
import org.kongjava.config.model.Certificate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Builds Netty server {@link SslContext}s from key material and the kong.conf {@link TlsSettings}, and caches
 * the contexts of Certificate entities by id and content hash, so that compiling a new routing snapshot rebuilds
 * only the certificates that changed.
 *
 * <p>Provider: OpenSSL (BoringSSL from netty-tcnative) when {@link OpenSsl#isAvailable()}, else the JDK, with one
 * INFO line saying which and why. Key material with an alternative pair (RSA + ECDSA) is installed so that the
 * handshake picks the certificate the client can verify (TLS 1.2 cipher suite, TLS 1.3 signature algorithms), as
 * nginx does with two {@code ssl_certificate}s: BoringSSL credentials on OpenSSL, a {@link KeyManagerFactory}
 * holding both on the JDK.
 *
 * <p>Building a context parses keys and allocates native state: call it off the event loops (gw-config).
 * Lookups of cached contexts are thread-safe.
 */
public final class ServerTlsContexts {
    private static final Logger log = LoggerFactory.getLogger(ServerTlsContexts.class);
    private static final AtomicBoolean providerLogged = new AtomicBoolean();

    private final TlsSettings settings;
    private final SslProvider provider;
    private final Map<CacheKey, Cached> cache = new ConcurrentHashMap<>();
    private final Map<UUID, String> expiryChecked = new ConcurrentHashMap<>();

    private record CacheKey(UUID certificateId, AlpnMode alpn) {
    }

    private record Cached(String contentHash, SslContext context) {
    }

    /** Contexts with {@code settings}, on OpenSSL when available. */
    public ServerTlsContexts(TlsSettings settings) {
        this(settings, OpenSsl.isAvailable() ? SslProvider.OPENSSL : SslProvider.JDK);
    }

    /**
     * Contexts on an explicit provider (tests run both). {@code OPENSSL} requires {@link OpenSsl#isAvailable()}.
     */
    public ServerTlsContexts(TlsSettings settings, SslProvider provider) {
        this.settings = Objects.requireNonNull(settings, "settings");
        this.provider = Objects.requireNonNull(provider, "provider");
        if (provider == SslProvider.OPENSSL_REFCNT) {
            // Reference-counted contexts would need a release when a snapshot drops them; the GC-managed
            // OPENSSL contexts do not.
            throw new IllegalArgumentException("provider: OPENSSL_REFCNT (expected OPENSSL or JDK)");
        }
        if (provider != SslProvider.JDK && !OpenSsl.isAvailable()) {
            throw new IllegalArgumentException("provider: " + provider + " is not available ("
                    + OpenSsl.unavailabilityCause() + "); expected JDK");
        }
        logProviderOnce();
    }

    /** True when netty-tcnative (BoringSSL) loaded on this machine. */
    public static boolean openSslAvailable() {
        return OpenSsl.isAvailable();
    }

    /** The provider every context of this instance uses. */
    public SslProvider provider() {
        return provider;
    }

    public TlsSettings settings() {
        return settings;
    }

    private static void logProviderOnce() {
        if (!providerLogged.compareAndSet(false, true)) {
            return;
        }
        if (OpenSsl.isAvailable()) {
            log.info("TLS: using the OpenSSL provider ({})", OpenSsl.versionString());
        } else {
            Throwable cause = OpenSsl.unavailabilityCause();
            log.info("TLS: OpenSSL (netty-tcnative) is not available ({}); using the JDK TLS provider",
                    cause == null ? "unknown reason" : cause.toString());
        }
    }

    /**
     * A new (uncached) server context for {@code material}, offering {@code alpn}. Used for a listener's default
     * certificate (kong.conf or generated) and by {@link #forCertificate}.
     */
    public SslContext build(ServerKeyMaterial material, AlpnMode alpn) throws SSLException {
        Objects.requireNonNull(material, "material");
        Objects.requireNonNull(alpn, "alpn");
        SslContextBuilder b;
        List<OpenSslCredential> credentials = List.of();
        if (!material.hasAlt()) {
            b = SslContextBuilder.forServer(material.key(), material.chain());
        } else if (provider != SslProvider.JDK && OpenSslCredential.isAvailable()) {
            // BoringSSL holds one certificate per SSL unless both go in as SSL_CREDENTIALs; it then takes the
            // first credential the client's cipher suites / signature algorithms allow. ECDSA goes first: clients
            // that can verify both get the cheaper handshake, as nginx serves them with two certificates.
            b = SslContextBuilder.forServer(material.key(), material.chain());
            OpenSslCredential main = credential(material.key(), material.chain());
            OpenSslCredential alt;
            try {
                alt = credential(material.altKey(), material.altChain());
            } catch (SSLException e) {
                main.release();
                throw e;
            }
            credentials = PemCodec.KeyType.of(material.altKey()) == PemCodec.KeyType.EC
                    ? List.of(alt, main) : List.of(main, alt);
            b.addCredentials(credentials);
        } else {
            KeyManagerFactory kmf = dualKeyManagerFactory(material);
            b = SslContextBuilder.forServer(provider == SslProvider.JDK ? kmf
                    : new OpenSslCachingX509KeyManagerFactory(kmf));
        }
        b.sslProvider(provider)
                // No client certificates are requested, so no CA list is needed. Without an explicit (empty) trust
                // manager Netty loads the JDK's whole CA store into every OpenSSL context, which made building one
                // several times slower and each context larger (thousands of certificate entities at start-up).
                .trustManager(NoClientCertificates.INSTANCE)
                .protocols(settings.protocols())
                .sessionTimeout(settings.sessionTimeout().toSeconds())
                .sessionCacheSize(settings.sessionCacheSize());
        if (settings.ciphers() != null) {
            b.ciphers(settings.ciphers(), SupportedCipherSuiteFilter.INSTANCE);
        }
        if (alpn != AlpnMode.NONE) {
            b.applicationProtocolConfig(new ApplicationProtocolConfig(
                    ApplicationProtocolConfig.Protocol.ALPN,
                    // Both providers support only these two behaviours; with no common protocol the handshake
                    // goes on without ALPN, like nginx.
                    ApplicationProtocolConfig.SelectorFailureBehavior.NO_ADVERTISE,
                    ApplicationProtocolConfig.SelectedListenerFailureBehavior.ACCEPT,
                    alpn.protocols()));
        }
        SslContext ctx;
        try {
            ctx = b.build();
        } finally {
            // The context retains what it keeps.
            credentials.forEach(OpenSslCredential::release);
        }
        if (settings.sessionTickets() && ctx.sessionContext() instanceof OpenSslSessionContext sessions) {
            // Netty turns tickets off by default (SSL_OP_NO_TICKET); with no explicit keys BoringSSL makes and
            // rotates its own.
            sessions.setTicketKeys();
        }
        return new CipherOrderSslContext(ctx, settings.preferServerCiphers());
    }

    /**
     * The context of a Certificate entity, from the cache when the entity's PEM texts are unchanged since the
     * last call for the same id and ALPN mode; otherwise built and cached. New content is checked for expiry
     * ({@link CertificateExpiry}: a WARN within 30 days).
     *
     * @throws PemException  when the entity's PEM texts are invalid (validation should have refused it)
     * @throws SSLException  when the provider refuses the material
     */
    public SslContext forCertificate(Certificate certificate, AlpnMode alpn) throws PemException, SSLException {
        CacheKey key = new CacheKey(certificate.id(), alpn);
        String hash = contentHash(certificate);
        Cached hit = cache.get(key);
        if (hit != null && hit.contentHash().equals(hash)) {
            return hit.context();
        }
        ServerKeyMaterial material = ServerKeyMaterial.fromEntity(certificate);
        SslContext ctx = build(material, alpn);
        if (!hash.equals(expiryChecked.put(certificate.id(), hash))) {
            // Once per content, not once per ALPN mode.
            CertificateExpiry.warnIfExpiringSoon("certificate " + certificate.id(), material.leaves(), Instant.now());
        }
        cache.put(key, new Cached(hash, ctx));
        return ctx;
    }

    /** Forgets the contexts of certificates not in {@code liveIds} (deleted entities). */
    public void retainOnly(Collection<UUID> liveIds) {
        Set<UUID> live = new HashSet<>(liveIds);
        cache.keySet().removeIf(k -> !live.contains(k.certificateId()));
        expiryChecked.keySet().removeIf(id -> !live.contains(id));
    }

    /** Number of cached contexts (tests, metrics). */
    public int cachedCount() {
        return cache.size();
    }

    static String contentHash(Certificate c) {
        // A digest of the texts, not the texts: the cache must not become another copy of the keys.
        return PemCodec.sha256Hex(c.cert() + '\0' + c.key() + '\0' + c.certAlt() + '\0' + c.keyAlt());
    }

    /**
     * A key manager holding both pairs under aliases {@code rsa} and {@code ec}. Both the JDK and Netty's OpenSSL
     * engine ask it per key type (from the client's suites / signature algorithms), so each client gets a
     * certificate it can verify.
     */
    static KeyManagerFactory dualKeyManagerFactory(ServerKeyMaterial m) throws SSLException {
        try {
            char[] password = randomPassword();
            KeyStore ks = KeyStore.getInstance("PKCS12");
            ks.load(null, null);
            add(ks, m.key(), m.chain(), password);
            add(ks, m.altKey(), m.altChain(), password);
            KeyManagerFactory kmf = KeyManagerFactory.getInstance("SunX509");
            kmf.init(ks, password);
            return kmf;
        } catch (GeneralSecurityException | java.io.IOException e) {
            throw new SSLException("could not set up the RSA+ECDSA key manager: " + e.getClass().getSimpleName());
        }
    }

    private static OpenSslCredential credential(PrivateKey key, List<X509Certificate> chain) throws SSLException {
        try {
            return OpenSslCredentialBuilder.forX509(key, chain.toArray(new X509Certificate[0])).build();
        } catch (RuntimeException e) {
            throw new SSLException("could not load the " + PemCodec.KeyType.of(key) + " certificate into OpenSSL: "
                    + e.getClass().getSimpleName());
        }
    }

    private static void add(KeyStore ks, PrivateKey key, List<X509Certificate> chain, char[] password)
            throws GeneralSecurityException {
        String alias = PemCodec.KeyType.of(key).name().toLowerCase(java.util.Locale.ROOT);
        ks.setKeyEntry(alias, key, password, chain.toArray(new X509Certificate[0]));
    }

    private static char[] randomPassword() {
        SecureRandom r = new SecureRandom();
        char[] p = new char[24];
        for (int i = 0; i < p.length; i++) {
            p[i] = (char) ('a' + r.nextInt(26));
        }
        return p;
    }

    /**
     * Applies {@code ssl_prefer_server_ciphers} to each engine: neither provider has a context-wide switch for it
     * (Netty's OpenSSL contexts always prefer the server's order).
     */
    private static final class CipherOrderSslContext extends DelegatingSslContext {
        private final boolean preferServer;

        CipherOrderSslContext(SslContext ctx, boolean preferServer) {
            super(ctx);
            this.preferServer = preferServer;
        }

        @Override
        protected void initEngine(SSLEngine engine) {
            SSLParameters p = engine.getSSLParameters();
            if (p.getUseCipherSuitesOrder() != preferServer) {
                p.setUseCipherSuitesOrder(preferServer);
                engine.setSSLParameters(p);
            }
        }
    }

    /** Trusts no client certificate and names no CA: server contexts never ask for one ({@code ClientAuth.NONE}). */
    private static final class NoClientCertificates extends javax.net.ssl.X509ExtendedTrustManager {
        static final NoClientCertificates INSTANCE = new NoClientCertificates();

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType) throws java.security.cert.CertificateException {
            throw new java.security.cert.CertificateException("client certificates are not accepted");
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType, java.net.Socket socket)
                throws java.security.cert.CertificateException {
            checkClientTrusted(chain, authType);
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
                throws java.security.cert.CertificateException {
            checkClientTrusted(chain, authType);
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType) throws java.security.cert.CertificateException {
            throw new java.security.cert.CertificateException("not a client context");
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType, java.net.Socket socket)
                throws java.security.cert.CertificateException {
            checkServerTrusted(chain, authType);
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
                throws java.security.cert.CertificateException {
            checkServerTrusted(chain, authType);
        }

        @Override
        public X509Certificate[] getAcceptedIssuers() {
            return new X509Certificate[0];
        }
    }
}
