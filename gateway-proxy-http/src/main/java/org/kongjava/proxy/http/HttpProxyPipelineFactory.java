package org.kongjava.proxy.http;

import io.netty.channel.Channel;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.CombinedChannelDuplexHandler;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http.HttpResponseEncoder;
import org.kongjava.config.conf.ListenSpec;
import org.kongjava.core.accesslog.AccessLog;
import org.kongjava.core.listener.Passthrough;
import org.kongjava.core.listener.PipelineFactory;
import org.kongjava.core.listener.PipelineNames;
import org.kongjava.core.metrics.ServerCounters;
import org.kongjava.core.proxyprotocol.ProxyProtocolPipeline;
import org.kongjava.core.proxyprotocol.ProxyProtocolSettings;
import org.kongjava.core.snapshot.SnapshotHolder;
import org.kongjava.core.tls.TlsHandlers;
import org.kongjava.core.transport.EventLoops;
import org.kongjava.core.upstream.HostResolver;
import org.kongjava.core.upstream.UpstreamPools;

/**
 * The pipeline of an HTTP/1.1 proxy connection:
 * {@code [proxyProtocol] → [tls → alpn] → headerTimeout (byte counter) → httpCodec (strict request decoder, response encoder) → httpProxy}.
 * On {@code ssl} addresses the HTTP handlers are added once the TLS handshake is done (see {@code TlsHandlers}).
 * On {@code http2} addresses a client that negotiates {@code h2} by ALPN (or, on plain addresses, opens with the
 * HTTP/2 preface) gets an HTTP/2 connection instead, with the same proxy handler per stream
 * (see {@link Http2ProxyPipeline}).
 * The connection reads only when the proxy asks ({@code AUTO_READ} off); the proxy queues what one
 * socket read decoded and takes one message at a time.
 * <p>
 * Owns the upstream connection pools (one per event loop) and the host-name resolver shared by its
 * connections; {@link #close()} releases them.
 */
public final class HttpProxyPipelineFactory implements PipelineFactory, AutoCloseable {
    /** Request body chunks handed on at once; a socket read is rarely larger. */
    static final int MAX_CHUNK = 64 * 1024;

    private final SnapshotHolder holder;
    private final HttpProxySettings settings;
    private final ServerCounters counters;
    private final UpstreamPools pools;
    private final HostResolver resolver;
    private final ProxyProtocolSettings proxyProtocol;
    private final ProxyProtocolOptions ppOptions;
    private final Passthrough passthrough;
    private final Http2ProxyPipeline http2;
    private volatile AccessLog accessLog = AccessLog.OFF;

    public HttpProxyPipelineFactory(SnapshotHolder holder, EventLoops loops, HttpProxySettings settings,
                                    ServerCounters counters) {
        this(holder, loops, settings, counters, ProxyProtocolSettings.strict(), ProxyProtocolOptions.none(),
                Passthrough.off());
    }

    /**
     * @param proxyProtocol how {@code proxy_protocol} listeners read the PROXY header
     * @param ppOptions     kong-java's PROXY extensions (TLV headers, PROXY towards upstreams)
     * @param passthrough   mesh mode on transparent listeners: what becomes of a request that matches no route
     */
    public HttpProxyPipelineFactory(SnapshotHolder holder, EventLoops loops, HttpProxySettings settings,
                                    ServerCounters counters, ProxyProtocolSettings proxyProtocol,
                                    ProxyProtocolOptions ppOptions, Passthrough passthrough) {
        this.proxyProtocol = proxyProtocol;
        this.ppOptions = ppOptions;
        this.passthrough = passthrough;
        this.holder = holder;
        this.settings = settings;
        this.counters = counters;
        this.pools = new UpstreamPools(loops, settings.poolSettings());
        this.resolver = new HostResolver(4, 1024);
        // One proxy handler per HTTP/2 stream; its byte counter sees no bytes (the head arrives whole in a frame).
        this.http2 = new Http2ProxyPipeline(settings, counters,
                () -> withLog(new HttpProxyHandler(holder, settings, counters, pools, resolver,
                        new ClientByteCounter(), ppOptions, passthrough)));
    }

    @Override
    public void initChannel(Channel ch, ListenSpec listener) {
        ch.config().setAutoRead(false);
        // The PROXY header precedes everything, the TLS ClientHello included.
        ProxyProtocolPipeline.install(ch, listener, proxyProtocol);
        if (listener.ssl()) {
            // TLS first (certificate by SNI from the current snapshot), then HTTP/1.1 once the handshake is done;
            // nginx gives the handshake the client header timeout.
            TlsHandlers.addTls(ch.pipeline(), holder, listener, settings.clientHeaderTimeoutMillis(), this::addHttp1,
                    listener.http2() ? http2::addTo : null);
            return;
        }
        if (listener.http2()) {
            // Plain http2 address: prior-knowledge h2c and HTTP/1.1 on one port, told apart by the first bytes.
            ch.pipeline().addLast(PipelineNames.H2C_PREFACE, new H2cPrefaceSniffer(settings.clientHeaderTimeoutMillis(),
                    this::addHttp1, http2::addTo));
            return;
        }
        addHttp1(ch.pipeline());
    }

    private void addHttp1(ChannelPipeline p) {
        HttpDecoderConfig cfg = new HttpDecoderConfig()
                .setMaxInitialLineLength(settings.maxInitialLineLength())
                .setMaxHeaderSize(settings.maxHeaderSize() * HttpProxySettings.HEADER_BUFFERS)
                .setMaxChunkSize(MAX_CHUNK);
        ClientByteCounter bytes = new ClientByteCounter();
        p.addLast(PipelineNames.HEADER_TIMEOUT, bytes);
        p.addLast(PipelineNames.HTTP_CODEC, new CombinedChannelDuplexHandler<>(
                new GuardedRequestDecoder(cfg, settings.maxHeaderSize()), new HttpResponseEncoder()));
        p.addLast(PipelineNames.HTTP_PROXY, withLog(new HttpProxyHandler(holder, settings, counters, pools, resolver,
                bytes, ppOptions, passthrough)));
    }

    /** Sets where finished requests are logged ({@code proxy_access_log}); call before binding listeners. */
    public HttpProxyPipelineFactory accessLog(AccessLog log) {
        this.accessLog = java.util.Objects.requireNonNull(log, "log");
        return this;
    }

    private HttpProxyHandler withLog(HttpProxyHandler h) {
        h.accessLog = accessLog;
        return h;
    }

    /** The pools, for tests and for draining at shutdown. */
    public UpstreamPools pools() {
        return pools;
    }

    @Override
    public void close() {
        pools.closeIdle();
        resolver.close();
    }
}
