package org.kongjava.core.upstream;

import io.netty.buffer.ByteBufAllocator;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslHandler;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import javax.net.ssl.SSLException;
import org.kongjava.tls.UpstreamSslContexts;

/**
 * How the gateway opens TLS to one service's upstream, resolved at compile time from the service, the upstream
 * entity its host names, and kong.conf:
 * <ul>
 *   <li>verify: {@code service.tls_verify}, else {@code upstream_tls_verify_default} (off, as Kong);</li>
 *   <li>depth: {@code service.tls_verify_depth}, else {@code lua_ssl_verify_depth} (1);</li>
 *   <li>trust: the service's {@code ca_certificates}, else the {@code lua_ssl_trusted_certificate} bundle;</li>
 *   <li>client certificate: the service's, else the upstream entity's, else {@code client_ssl_cert} when
 *       {@code client_ssl} is on.</li>
 * </ul>
 * The name verified and sent as SNI is chosen per request (the Host sent upstream, without port).
 *
 * @param verify                  whether the upstream certificate is verified
 * @param verifySource            {@code service} or {@code upstream_tls_verify_default}
 * @param depth                   the verify depth (intermediate CAs allowed)
 * @param depthSource             {@code service} or {@code lua_ssl_verify_depth}
 * @param trustSource             {@code ca_certificates} or {@code lua_ssl_trusted_certificate}
 * @param caCertificates          the service's CA ids (empty when the global bundle is used)
 * @param trustedBundle           the global bundle's items, when it is the trust source
 * @param clientCertificate       the Certificate entity presented, or null (also null for client_ssl)
 * @param clientCertificateSource {@code service}, {@code upstream}, {@code client_ssl}, or null for none
 * @param identity                the context's id: equal policies share contexts and pooled connections
 * @param context                 the client context, or null when it could not be built (see {@code error})
 * @param error                   why there is no context (a client certificate that does not parse), or null
 */
public record UpstreamTlsPolicy(boolean verify, String verifySource, int depth, String depthSource,
                                String trustSource, List<UUID> caCertificates, List<String> trustedBundle,
                                UUID clientCertificate, String clientCertificateSource, String identity,
                                SslContext context, String error) {

    public UpstreamTlsPolicy {
        caCertificates = List.copyOf(caCertificates);
        trustedBundle = List.copyOf(trustedBundle);
    }

    /**
     * A handler for one new upstream connection: {@code host} is verified against the certificate (when verifying)
     * and sent as SNI unless it is an IP literal; the handshake must finish within {@code handshakeTimeoutMillis}
     * (the service's connect timeout, as nginx bounds the handshake with proxy_connect_timeout).
     *
     * @throws SSLException when the policy has no context ({@link #error()})
     */
    public SslHandler newHandler(ByteBufAllocator alloc, String host, int port, long handshakeTimeoutMillis)
            throws SSLException {
        if (context == null) {
            throw new SSLException("no upstream TLS context: " + error);
        }
        return UpstreamSslContexts.newHandler(context, alloc, host, port, handshakeTimeoutMillis);
    }

    /** The pool-key part for connections to {@code host}: the same identity and SNI reuse a connection. */
    public String poolIdentity(String host) {
        return identity + "|" + host;
    }

    /** The effective settings as the Admin API shows them ({@code GET /services/{id}/tls}, a kong-java extension). */
    public Map<String, Object> describe() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("verify", verify);
        m.put("verify_source", verifySource);
        m.put("verify_depth", verify ? depth : null);
        m.put("verify_depth_source", verify ? depthSource : null);
        Map<String, Object> trust = new LinkedHashMap<>();
        trust.put("source", verify ? trustSource : null);
        trust.put("ca_certificates", caCertificates.stream().map(UUID::toString).toList());
        trust.put("bundle", trustSource.equals("lua_ssl_trusted_certificate") ? trustedBundle : List.of());
        m.put("trust", trust);
        Map<String, Object> client = new LinkedHashMap<>();
        client.put("id", clientCertificate == null ? null : clientCertificate.toString());
        client.put("source", clientCertificateSource);
        m.put("client_certificate", client);
        m.put("context_id", identity);
        m.put("error", error);
        return m;
    }
}
