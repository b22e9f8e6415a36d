package org.kongjava.stream;

import io.netty.buffer.ByteBufAllocator;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.util.InsecureTrustManagerFactory;
import java.net.InetSocketAddress;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLParameters;
import org.kongjava.config.model.Service;
import org.kongjava.core.upstream.HostResolver;

/**
 * TLS towards the upstream of {@code tls} services.
 * <p>
 * INTEGRATION POINT (interim): {@link #newHandler} is the only place this module creates a client
 * {@code SslHandler}. It verifies with the JDK's default trust store when the service has {@code tls_verify = true}
 * (host name checked against the SNI) and does not verify otherwise (Kong's default); it sends no client
 * certificate and ignores {@code ca_certificates}/{@code tls_verify_depth}. Switch its body to core's upstream TLS
 * policy API (service CA ids, depth, client certificate) once that exists; callers need not change.
 */
public final class UpstreamTls {
    private final SslContext verifying;
    private final SslContext trusting;

    /** Builds the two client contexts; call at start-up, not on an event loop. */
    public UpstreamTls() {
        try {
            this.verifying = SslContextBuilder.forClient().build();
            this.trusting = SslContextBuilder.forClient().trustManager(InsecureTrustManagerFactory.INSTANCE).build();
        } catch (SSLException e) {
            throw new IllegalStateException("cannot build the upstream TLS client contexts: " + e.getMessage(), e);
        }
    }

    /**
     * A client {@code SslHandler} for one upstream connection of {@code service}.
     *
     * @param sni    the server name to send (target host name, {@code upstream.host_header}, or the client's SNI with
     *               {@code preserve_host}); null or an IP literal sends none
     * @param target the address being connected (for the engine's peer host/port)
     */
    public SslHandler newHandler(Service service, String sni, InetSocketAddress target, ByteBufAllocator alloc) {
        boolean verify = Boolean.TRUE.equals(service.tlsVerify());
        SslContext ctx = verify ? verifying : trusting;
        String name = sni == null || sni.isEmpty() || HostResolver.literal(sni) != null ? null : sni;
        SslHandler h = name == null ? ctx.newHandler(alloc, target.getHostString(), target.getPort())
                : ctx.newHandler(alloc, name, target.getPort());
        SSLEngine engine = h.engine();
        SSLParameters p = engine.getSSLParameters();
        if (name == null) {
            p.setServerNames(java.util.List.of()); // never an IP literal as SNI (nginx)
        }
        if (verify) {
            p.setEndpointIdentificationAlgorithm("HTTPS");
        }
        engine.setSSLParameters(p);
        return h;
    }
}
