package org.kongjava.tls;

import io.netty.buffer.ByteBufAllocator;
import io.netty.handler.ssl.OpenSsl;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslProvider;
import io.netty.handler.ssl.util.InsecureTrustManagerFactory;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLParameters;
import org.kongjava.tls.UpstreamTlsSettings.ClientKey;

/**
 * Client {@link SslContext}s towards upstreams, one per distinct {@link Key} (verification on/off, trust set, depth,
 * client certificate), built on first use and kept while some compiled snapshot still uses them: a new snapshot
 * with the same TLS settings reuses the contexts, and with them their TLS session caches (session resumption on
 * new connections, as nginx's {@code proxy_ssl_session_reuse}).
 *
 * <p>Building parses certificates and allocates native state: call {@link #context} from the snapshot compiler
 * (the config-writer thread), never on an event loop. {@link #newHandler} is cheap and runs on the event loop.
 */
public final class UpstreamSslContexts {
    private final SslProvider provider;
    private final Map<Key, SslContext> cache = new ConcurrentHashMap<>();

    /**
     * What makes two upstream TLS contexts interchangeable.
     *
     * @param verify       whether the upstream's certificate is verified
     * @param trustId      the trust set's identity (e.g. the sorted CA digests, or {@code global}); ignored unverified
     * @param depth        the verify depth; ignored unverified
     * @param clientDigest the client certificate's digest, or null for none
     */
    public record Key(boolean verify, String trustId, int depth, String clientDigest) {
        public Key {
            if (!verify) {
                trustId = null;
                depth = -1;
            }
        }

        /** A short stable id (pool keys, logs, the Admin API's effective settings). */
        public String id() {
            return PemCodec.sha256Hex(verify + "|" + trustId + "|" + depth + "|" + clientDigest).substring(0, 16);
        }
    }

    /** Contexts on OpenSSL (BoringSSL) when available, else the JDK. */
    public UpstreamSslContexts() {
        this(OpenSsl.isAvailable() ? SslProvider.OPENSSL : SslProvider.JDK);
    }

    public UpstreamSslContexts(SslProvider provider) {
        this.provider = Objects.requireNonNull(provider, "provider");
    }

    public SslProvider provider() {
        return provider;
    }

    /**
     * The context for {@code key}, built when not cached.
     *
     * @param trust  the trusted CAs (asked only when building a verifying context)
     * @param client the client certificate, or null; its digest must be {@code key.clientDigest()}
     * @throws SSLException when the provider refuses the material
     */
    public SslContext context(Key key, Supplier<List<X509Certificate>> trust, ClientKey client) throws SSLException {
        SslContext c = cache.get(key);
        if (c != null) {
            return c;
        }
        c = build(key, trust, client);
        SslContext raced = cache.putIfAbsent(key, c);
        return raced != null ? raced : c;
    }

    private SslContext build(Key key, Supplier<List<X509Certificate>> trust, ClientKey client) throws SSLException {
        SslContextBuilder b = SslContextBuilder.forClient().sslProvider(provider)
                // The name check is UpstreamTrustManager's (with reasons to log); Netty 4.2 would add its own.
                .endpointIdentificationAlgorithm(null);
        if (key.verify()) {
            b.trustManager(new UpstreamTrustManager(new ArrayList<>(trust.get()), key.depth(), true));
        } else {
            b.trustManager(InsecureTrustManagerFactory.INSTANCE);
        }
        if (client != null) {
            b.keyManager(client.key(), client.chain());
        }
        return b.build();
    }

    /** Drops the contexts no live snapshot uses any more (called after a compile with the keys it used). */
    public void retainOnly(Set<Key> used) {
        cache.keySet().retainAll(used);
    }

    /** Number of cached contexts (tests, metrics). */
    public int size() {
        return cache.size();
    }

    /**
     * A client handler on {@code context} for one upstream connection. {@code host} is the name the certificate must
     * match and, unless it is an IP literal, the SNI sent (nginx sends no SNI for an IP); {@code port} keys the
     * session cache. The handshake times out after {@code handshakeTimeoutMillis}.
     */
    public static SslHandler newHandler(SslContext context, ByteBufAllocator alloc, String host, int port,
                                        long handshakeTimeoutMillis) {
        String h = host;
        if (h != null && h.startsWith("[") && h.endsWith("]")) {
            h = h.substring(1, h.length() - 1);
        }
        SslHandler handler = context.newHandler(alloc, h, port);
        SSLEngine engine = handler.engine();
        SSLParameters p = engine.getSSLParameters();
        if (h != null && !h.isEmpty() && !HostnameMatcher.IpLiteral.is(h)) {
            p.setServerNames(List.of(new SNIHostName(h)));
        } else {
            p.setServerNames(List.of());
        }
        engine.setSSLParameters(p);
        handler.setHandshakeTimeoutMillis(Math.max(1, handshakeTimeoutMillis));
        return handler;
    }
}
